//! Parties to a matter and their personal data: validated newtypes for names, phone numbers,
//! resident ID-card numbers and addresses, each with the mask shown by default. Revealing the
//! unmasked value is a logged act decided elsewhere; this module only knows how to mask.

use crate::error::{FieldError, Issue};
use crate::text;
use serde::{Deserialize, Serialize};

/// A person's or organisation's name as given (张三, 阿依古丽·买买提, 诸暨某建筑劳务有限公司).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 60;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let name = text::required(field, raw, Self::MAX)?;
        let plausible = name.chars().any(char::is_alphabetic)
            && !name
                .chars()
                .any(|c| c.is_ascii_digit() || matches!(c, '<' | '>' | '@' | '#' | '$' | '%' | '\n' | '\t'));
        if plausible { Ok(Self(name)) } else { Err(FieldError::new(field, Issue::BadName)) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `张**`: the first character, then one star per remaining character (at most four).
    pub fn masked(&self) -> String {
        let mut chars = self.0.chars();
        let first = chars.next().map(String::from).unwrap_or_default();
        let rest = chars.count().clamp(1, 4);
        format!("{first}{}", "*".repeat(rest))
    }
}

/// A mainland mobile (`13812345678`) or landline (`0575-87012345`) number, stored as digits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, Issue::BadPhone);
        let compact: String = raw.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
        let digits = compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")).unwrap_or(&compact);
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let b = digits.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = (10..=12).contains(&b.len()) && b[0] == b'0' && b[1] != b'0';
        if mobile || landline { Ok(Self(digits.to_owned())) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: the first three and the last four digits.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 3, 4)
    }
}

/// An 18-character resident identity number (GB 11643-1999), with a valid region, birth date
/// and ISO 7064 MOD 11-2 check character.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdCardNumber(String);

impl IdCardNumber {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::new(field, Issue::BadIdCard);
        let id = raw.trim().to_ascii_uppercase();
        let b = id.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        if !(b'1'..=b'8').contains(&b[0]) {
            return Err(bad());
        }
        let num = |range: std::ops::Range<usize>| id[range].parse::<i16>().ok();
        let (Some(year), Some(month), Some(day)) = (num(6..10), num(10..12), num(12..14)) else {
            return Err(bad());
        };
        let month = i8::try_from(month).map_err(|_| bad())?;
        let day = i8::try_from(day).map_err(|_| bad())?;
        if !(1900..=2100).contains(&year) || jiff::civil::Date::new(year, month, day).is_err() {
            return Err(bad());
        }
        if check_character(&b[..17]) != b[17] {
            return Err(bad());
        }
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `3306**********123X`: the first four and the last four characters.
    pub fn masked(&self) -> String {
        mask_middle(&self.0, 4, 4)
    }
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn check_character(first17: &[u8]) -> u8 {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d.saturating_sub(b'0')) * w).sum();
    CHECK[(sum % 11) as usize]
}

/// A postal address as given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Address(String);

impl Address {
    pub const MAX: usize = 200;

    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        text::required(field, raw, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// At most the first six characters and never more than half, then `****`: enough to
    /// see the township, not the door.
    pub fn masked(&self) -> String {
        let shown = (self.0.chars().count() / 2).min(6);
        let head: String = self.0.chars().take(shown).collect();
        format!("{head}****")
    }
}

fn mask_middle(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The part a party plays in the matter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// 申请人/来访人/反映人
    #[default]
    Applicant,
    /// 被申请人/被反映方
    Respondent,
    /// 其他当事人
    Other,
}

/// A party with validated personal data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub role: PartyRole,
    pub name: PersonName,
    pub phone: Option<Phone>,
    pub id_card: Option<IdCardNumber>,
    pub address: Option<Address>,
}

/// A party as it arrives from outside, before validation.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartyDraft {
    #[serde(default)]
    pub role: PartyRole,
    pub name: String,
    pub phone: Option<String>,
    pub id_card: Option<String>,
    pub address: Option<String>,
}

impl PartyDraft {
    /// Validates every field, collecting all problems under `prefix` (`parties[0]`).
    pub fn parse(&self, prefix: &str, errors: &mut Vec<FieldError>) -> Option<Party> {
        let field = |name: &str| format!("{prefix}.{name}");
        let name = PersonName::parse(&field("name"), &self.name).map_err(|e| errors.push(e)).ok();
        let phone = parse_opt(&self.phone, |s| Phone::parse(&field("phone"), s), errors);
        let id_card = parse_opt(&self.id_card, |s| IdCardNumber::parse(&field("id_card"), s), errors);
        let address = parse_opt(&self.address, |s| Address::parse(&field("address"), s), errors);
        Some(Party { role: self.role, name: name?, phone: phone?, id_card: id_card?, address: address? })
    }
}

fn parse_opt<T>(
    raw: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
    errors: &mut Vec<FieldError>,
) -> Option<Option<T>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(s) => match parse(s) {
            Ok(v) => Some(Some(v)),
            Err(e) => {
                errors.push(e);
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid_id(first17: &str) -> String {
        format!("{first17}{}", check_character(first17.as_bytes()) as char)
    }

    #[test]
    fn phones() {
        assert_eq!(Phone::parse("p", "138 1234 5678").map(|p| p.masked()), Ok("138****5678".into()));
        assert_eq!(Phone::parse("p", "+86 13812345678").map(|p| p.0), Ok("13812345678".into()));
        assert_eq!(Phone::parse("p", "0575-87012345").map(|p| p.0), Ok("057587012345".into()));
        for bad in ["12812345678", "1381234567", "abc", "", "00575123456", "138123456789"] {
            assert_eq!(Phone::parse("p", bad), Err(FieldError::new("p", Issue::BadPhone)), "{bad}");
        }
    }

    #[test]
    fn id_cards() {
        let id = valid_id("33068119800101123");
        assert_eq!(IdCardNumber::parse("i", &id).map(|i| i.masked()).map(|m| m.len()), Ok(18));
        assert!(IdCardNumber::parse("i", &id.to_lowercase()).is_ok());
        // Wrong check character, impossible date, bad region, wrong length.
        let wrong_check = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
        for bad in
            [wrong_check, valid_id("33068119800230123"), valid_id("93068119800101123"), "3306811980".into()]
        {
            assert_eq!(IdCardNumber::parse("i", &bad), Err(FieldError::new("i", Issue::BadIdCard)), "{bad}");
        }
    }

    #[test]
    fn names_and_masks() {
        assert_eq!(PersonName::parse("n", "张三").map(|n| n.masked()), Ok("张*".into()));
        assert_eq!(PersonName::parse("n", "欧阳小明").map(|n| n.masked()), Ok("欧***".into()));
        assert!(PersonName::parse("n", "阿依古丽·买买提").is_ok());
        assert_eq!(PersonName::parse("n", "张3"), Err(FieldError::new("n", Issue::BadName)));
        assert_eq!(
            Address::parse("a", "诸暨市枫桥镇枫源村18号").map(|a| a.masked()),
            Ok("诸暨市枫桥镇****".into())
        );
    }

    #[test]
    fn draft_collects_every_error() {
        let draft = PartyDraft {
            name: "".into(),
            phone: Some("123".into()),
            id_card: Some("x".into()),
            ..PartyDraft::default()
        };
        let mut errors = vec![];
        assert_eq!(draft.parse("parties[0]", &mut errors), None);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["parties[0].name", "parties[0].phone", "parties[0].id_card"]);
    }

    proptest! {
        #[test]
        fn any_valid_id_parses_and_any_other_check_char_fails(
            region in 110000u32..=659999, year in 1900i16..=2020, month in 1i8..=12, day in 1i8..=28, seq in 0u16..1000
        ) {
            let first17 = format!("{region:06}{year:04}{month:02}{day:02}{seq:03}");
            let good = valid_id(&first17);
            prop_assert!(IdCardNumber::parse("i", &good).is_ok());
            for c in "0123456789X".chars().filter(|c| !good.ends_with(*c)) {
                let bad = format!("{first17}{c}");
                prop_assert!(IdCardNumber::parse("i", &bad).is_err());
            }
        }

        #[test]
        fn masks_never_reveal_the_middle(digits in "1[3-9][0-9]{9}") {
            let phone = Phone::parse("p", &digits);
            prop_assert!(phone.is_ok());
            if let Ok(phone) = phone {
                let masked = phone.masked();
                prop_assert_eq!(&masked[3..7], "****");
                prop_assert_eq!(masked.len(), 11);
            }
        }
    }
}
