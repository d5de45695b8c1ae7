//! Formal letters (告知书, 意见书, 调解协议书) as PDF: A4, in the layout Chinese government
//! notices use (title, document number, addressee, indented paragraphs, the lines where the
//! parties sign, issuing unit and date at the foot on the right, the seal's place), typeset in
//! a CJK font from the system and embedded as a subset, so the file opens the same everywhere.
//!
//! Lines break between any two characters, except that closing punctuation never starts a
//! line (避头点): it hangs at the end of the line before.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Stroke, StrokeDash};
use krilla::text::{Font, TextDirection};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where Debian's `fonts-noto-cjk` puts the faces, serif (宋体-like) first.
pub const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSerifCJK-Regular.ttc",
];

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("no CJK font found (install the Debian package fonts-noto-cjk, or name a font file)")]
    NoFont,
    #[error("cannot read the font {0}: {1}")]
    Unreadable(PathBuf, std::io::Error),
    #[error("{0} holds no usable font")]
    BadFont(PathBuf),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// A CJK font, loaded once and shared: the Simplified Chinese face of a collection.
#[derive(Clone)]
pub struct CjkFont {
    data: Arc<Vec<u8>>,
    index: u32,
    font: Font,
    /// The face's PostScript-style name, as it appears in the PDF.
    pub name: String,
}

impl std::fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CjkFont({}, face {})", self.name, self.index)
    }
}

impl CjkFont {
    /// The first of `SYSTEM_FONTS` (or `explicit`, when given) that loads.
    pub fn find(explicit: Option<&Path>) -> Result<Self, LetterError> {
        if let Some(path) = explicit {
            return Self::load(path);
        }
        SYSTEM_FONTS
            .iter()
            .map(Path::new)
            .filter(|p| p.exists())
            .find_map(|p| Self::load(p).ok())
            .ok_or(LetterError::NoFont)
    }

    /// Loads a font file; in a collection, the face whose family names Simplified Chinese.
    pub fn load(path: &Path) -> Result<Self, LetterError> {
        let data = std::fs::read(path).map_err(|e| LetterError::Unreadable(path.to_owned(), e))?;
        let faces = ttf_parser::fonts_in_collection(&data).unwrap_or(1);
        let family = |i: u32| -> Option<String> {
            let face = ttf_parser::Face::parse(&data, i).ok()?;
            face.names()
                .into_iter()
                .filter(|n| {
                    n.name_id == ttf_parser::name_id::FULL_NAME || n.name_id == ttf_parser::name_id::FAMILY
                })
                .find_map(|n| n.to_string())
        };
        let index = (0..faces).find(|i| family(*i).is_some_and(|n| n.contains(" SC"))).unwrap_or(0);
        let name = family(index).ok_or_else(|| LetterError::BadFont(path.to_owned()))?;
        let data = Arc::new(data);
        let font = Font::new(krilla::Data::from(Arc::clone(&data)), index)
            .ok_or_else(|| LetterError::BadFont(path.to_owned()))?;
        Ok(Self { data, index, font, name })
    }

    fn metrics(&self) -> Result<Metrics<'_>, LetterError> {
        let face =
            ttf_parser::Face::parse(&self.data, self.index).map_err(|_| LetterError::Pdf("font".into()))?;
        Ok(Metrics { units: f32::from(face.units_per_em()), face, cache: HashMap::new() })
    }
}

/// Advance widths, per character, cached for one document.
struct Metrics<'a> {
    face: ttf_parser::Face<'a>,
    units: f32,
    cache: HashMap<char, f32>,
}

impl Metrics<'_> {
    /// The width of `c` at 1 pt.
    fn advance(&mut self, c: char) -> f32 {
        let face = &self.face;
        let units = self.units;
        *self.cache.entry(c).or_insert_with(|| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .map(|a| f32::from(a) / units)
                .unwrap_or(1.0)
        })
    }

    fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

/// A letter as people receive it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Letter {
    /// The unit that issues it, at the foot (and as the document's author).
    pub issuer: String,
    pub title: String,
    /// The document number, e.g. 诸信受〔2026〕第 12 号.
    pub number: String,
    /// Who it is addressed to, without the colon.
    pub addressee: String,
    pub paragraphs: Vec<String>,
    /// Labelled facts after the text (事项编号, 期限 …).
    pub facts: Vec<(String, String)>,
    /// Who signs, after the facts: one line each, `{label}（签名）：` with a line to sign on
    /// and the date to fill in (labels such as 当事人（申请人）张三, 人民调解员). With any, the
    /// foot also marks a place for the seal.
    pub signatures: Vec<String>,
    /// The date of issue, written out (2026年11月22日).
    pub date: String,
}

const A4: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 72.0;
const BODY: f32 = 15.0;
const LEADING: f32 = 1.8;
/// The line a signature is written on, at most.
const SIGN_LINE: f32 = 180.0;
/// The shortest line worth signing on beside its label; shorter, it goes on a line of its own.
const SIGN_LINE_MIN: f32 = 60.0;
/// The date a signer fills in by hand.
const SIGN_DATE: &str = "    年  月  日";
/// The side of the square marking where the seal goes.
const SEAL: f32 = 90.0;

/// Characters that may not begin a line.
fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』】”’…,.;:?!)".contains(c)
}

/// One placed line: its text, size, left x and baseline y, on a page.
struct Placed {
    page: usize,
    text: String,
    size: f32,
    x: f32,
    y: f32,
}

/// A drawn line or outline (not text), on a page.
enum Shape {
    /// A thin black line to write on, from (x1, y) to (x2, y).
    Underline { page: usize, x1: f32, x2: f32, y: f32 },
    /// A dashed square with its top left corner at (x, y).
    DashedSquare { page: usize, x: f32, y: f32, size: f32 },
}

struct Layout<'a> {
    metrics: Metrics<'a>,
    lines: Vec<Placed>,
    page: usize,
    y: f32,
    /// Baselines of rules to draw under, per page: (page, y).
    rules: Vec<(usize, f32)>,
    shapes: Vec<Shape>,
}

enum Align {
    Left,
    Center,
    Right,
}

impl Layout<'_> {
    fn advance(&mut self, height: f32) {
        if self.y + height > A4.1 - MARGIN {
            self.page += 1;
            self.y = MARGIN;
        }
        self.y += height;
    }

    fn line(&mut self, text: &str, size: f32, align: Align) {
        self.advance(size * LEADING);
        let width = self.metrics.width(text, size);
        let x = match align {
            Align::Left => MARGIN,
            Align::Center => (A4.0 - width) / 2.0,
            Align::Right => A4.0 - MARGIN - width,
        };
        self.lines.push(Placed { page: self.page, text: text.to_string(), size, x, y: self.y });
    }

    /// Breaks `text` to the measure and places each line.
    fn paragraph(&mut self, text: &str, size: f32) {
        let measure = A4.0 - 2.0 * MARGIN;
        let mut line = String::new();
        let mut width = 0.0;
        for c in text.chars() {
            let w = self.metrics.advance(c) * size;
            if width + w > measure && !line.is_empty() && !no_line_start(c) {
                self.line(&line, size, Align::Left);
                line.clear();
                width = 0.0;
            }
            line.push(c);
            width += w;
        }
        if !line.is_empty() {
            self.line(&line, size, Align::Left);
        }
    }

    fn gap(&mut self, height: f32) {
        self.advance(height);
    }

    /// Starts a new page unless `height` more fits on this one, so a block stays together.
    fn keep(&mut self, height: f32) {
        if self.y + height > A4.1 - MARGIN {
            self.page += 1;
            self.y = MARGIN;
        }
    }

    /// `{label}（签名）：`, a line to sign on and the date to fill in at the right. A label too
    /// long to leave room beside it has the line and the date on the line below.
    fn signature(&mut self, label: &str) {
        let measure = A4.0 - 2.0 * MARGIN;
        let text = format!("{label}（签名）：");
        let date_width = self.metrics.width(SIGN_DATE, BODY);
        let date_x = A4.0 - MARGIN - date_width;
        self.gap(BODY * 0.8);
        self.keep(2.0 * BODY * LEADING);
        let width = self.metrics.width(&text, BODY);
        let start = MARGIN + width + BODY * 0.25;
        let beside = date_x - BODY * 0.8 - start;
        if width <= measure && beside >= SIGN_LINE_MIN {
            self.line(&text, BODY, Align::Left);
            self.underline(start, beside.min(SIGN_LINE));
            self.lines.push(Placed {
                page: self.page,
                text: SIGN_DATE.into(),
                size: BODY,
                x: date_x,
                y: self.y,
            });
        } else {
            self.paragraph(&text, BODY);
            self.line(SIGN_DATE, BODY, Align::Right);
            self.underline(MARGIN + 2.0 * BODY, SIGN_LINE);
        }
    }

    /// A line to write on, under the current baseline.
    fn underline(&mut self, x: f32, length: f32) {
        let y = self.y + BODY * 0.2;
        self.shapes.push(Shape::Underline { page: self.page, x1: x, x2: x + length, y });
    }

    /// The place for the seal: a dashed square labelled （盖章处）, centred over the issuer's
    /// line (`width` wide, right-aligned) and kept on the page with it and the date.
    fn seal_place(&mut self, width: f32) {
        self.keep(SEAL + 2.0 * BODY * LEADING);
        let centre = A4.0 - MARGIN - width / 2.0;
        let x = (centre - SEAL / 2.0).min(A4.0 - MARGIN - SEAL);
        let y = self.y;
        self.shapes.push(Shape::DashedSquare { page: self.page, x, y, size: SEAL });
        let label = "（盖章处）";
        let size = 10.0;
        let label_width = self.metrics.width(label, size);
        self.lines.push(Placed {
            page: self.page,
            text: label.into(),
            size,
            x: x + (SEAL - label_width) / 2.0,
            y: y + SEAL / 2.0 + size * 0.35,
        });
        self.y = y + SEAL - BODY * 0.5;
    }
}

impl Letter {
    /// The letter as a PDF.
    pub fn pdf(&self, font: &CjkFont) -> Result<Vec<u8>, LetterError> {
        let mut l = Layout {
            metrics: font.metrics()?,
            lines: vec![],
            page: 0,
            y: MARGIN,
            rules: vec![],
            shapes: vec![],
        };
        l.line(&self.title, 22.0, Align::Center);
        if !self.number.is_empty() {
            l.line(&self.number, 12.0, Align::Center);
        }
        l.gap(6.0);
        l.rules.push((l.page, l.y));
        l.gap(BODY);
        if !self.addressee.is_empty() {
            l.paragraph(&format!("{}：", self.addressee), BODY);
        }
        for p in &self.paragraphs {
            l.paragraph(&format!("\u{3000}\u{3000}{p}"), BODY);
        }
        if !self.facts.is_empty() {
            l.gap(BODY * 0.5);
            for (label, value) in &self.facts {
                l.paragraph(&format!("\u{3000}\u{3000}{label}：{value}"), BODY);
            }
        }
        let issuer = format!("{}（印章）", self.issuer);
        if self.signatures.is_empty() {
            l.gap(BODY * 3.0);
        } else {
            l.gap(BODY * 0.5);
            for label in &self.signatures {
                l.signature(label);
            }
            l.gap(BODY * 1.5);
            let width = l.metrics.width(&issuer, BODY);
            l.seal_place(width);
        }
        l.line(&issuer, BODY, Align::Right);
        l.line(&self.date, BODY, Align::Right);

        let mut doc = Document::new();
        doc.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .authors(vec![self.issuer.clone()])
                .language("zh-CN".into())
                .creator("Minsheng".into()),
        );
        let shape_page = |s: &Shape| match s {
            Shape::Underline { page, .. } | Shape::DashedSquare { page, .. } => *page,
        };
        let pages =
            l.lines.iter().map(|p| p.page).chain(l.shapes.iter().map(shape_page)).max().unwrap_or(0) + 1;
        for page_no in 0..pages {
            let settings =
                PageSettings::from_wh(A4.0, A4.1).ok_or_else(|| LetterError::Pdf("page size".into()))?;
            let mut page = doc.start_page_with(settings);
            let mut surface = page.surface();
            for p in l.lines.iter().filter(|p| p.page == page_no) {
                surface.draw_text(
                    Point::from_xy(p.x, p.y),
                    font.font.clone(),
                    p.size,
                    &p.text,
                    false,
                    TextDirection::Auto,
                );
            }
            for (_, y) in l.rules.iter().filter(|(p, _)| *p == page_no) {
                let mut pb = PathBuilder::new();
                pb.move_to(MARGIN, *y);
                pb.line_to(A4.0 - MARGIN, *y);
                if let Some(path) = pb.finish() {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(190, 20, 20).into(),
                        width: 1.2,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                }
            }
            for shape in l.shapes.iter().filter(|s| shape_page(s) == page_no) {
                let mut pb = PathBuilder::new();
                let dash = match *shape {
                    Shape::Underline { x1, x2, y, .. } => {
                        pb.move_to(x1, y);
                        pb.line_to(x2, y);
                        None
                    }
                    Shape::DashedSquare { x, y, size, .. } => {
                        pb.move_to(x, y);
                        pb.line_to(x + size, y);
                        pb.line_to(x + size, y + size);
                        pb.line_to(x, y + size);
                        pb.close();
                        Some(StrokeDash { array: vec![4.0, 3.0], offset: 0.0 })
                    }
                };
                if let Some(path) = pb.finish() {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(60, 60, 60).into(),
                        width: 0.6,
                        dash,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                }
            }
            surface.finish();
            page.finish();
        }
        doc.finish().map_err(|e| LetterError::Pdf(format!("{e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter() -> Letter {
        Letter {
            issuer: "诸暨市信访局".into(),
            title: "信访事项受理告知书".into(),
            number: "诸信受〔2026〕第 12 号".into(),
            addressee: "张建国".into(),
            paragraphs: vec![
                "你于2026年9月28日提出的关于“反映邻居违建占用宅基地”的信访事项，经审查，符合受理条件，本机关已依法受理。".repeat(6),
            ],
            facts: vec![("办理期限".into(), "2026年11月27日前".into())],
            signatures: vec![],
            date: "2026年9月30日".into(),
        }
    }

    #[test]
    fn a_letter_is_a_pdf_with_its_font_embedded_as_a_subset() {
        let font = CjkFont::find(None).expect("the tests need fonts-noto-cjk (scripts/check installs it)");
        assert!(font.name.contains("SC"), "the Simplified Chinese face: {}", font.name);
        let pdf = letter().pdf(&font).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile"), "the font is embedded");
        assert!(pdf.len() < 400_000, "a subset, not the whole 20 MB collection: {} bytes", pdf.len());
    }

    const SIGNERS: [&str; 4] = [
        "当事人（申请人）张建国",
        "当事人（被申请人）李秀英",
        "当事人（第三人）诸暨市枫桥镇某某建筑劳务有限公司法定代表人王某某",
        "人民调解员",
    ];

    /// A mediation agreement signed by three parties, one with a long name, and the mediator.
    fn agreement() -> Letter {
        Letter {
            issuer: "枫源村人民调解委员会".into(),
            title: "人民调解协议书".into(),
            number: "枫源调〔2026〕第 3 号".into(),
            addressee: String::new(),
            paragraphs: vec!["经本委员会主持调解，当事人自愿达成如下协议：".into()],
            facts: vec![("协议版本".into(), "第1版".into())],
            signatures: SIGNERS.iter().map(|l| l.to_string()).collect(),
            date: "2026年5月6日".into(),
        }
    }

    #[test]
    #[ignore = "writes a sample to look at: cargo test -p minsheng-docs -- --ignored"]
    fn write_a_sample() {
        let font = CjkFont::find(None).unwrap();
        std::fs::write(std::env::temp_dir().join("minsheng-letter.pdf"), letter().pdf(&font).unwrap())
            .unwrap();
        std::fs::write(std::env::temp_dir().join("minsheng-agreement.pdf"), agreement().pdf(&font).unwrap())
            .unwrap();
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let font = CjkFont::find(None).unwrap();
        let mut l = Layout {
            metrics: font.metrics().unwrap(),
            lines: vec![],
            page: 0,
            y: MARGIN,
            rules: vec![],
            shapes: vec![],
        };
        // 30 full-width characters fill the measure exactly at 15 pt; a comma follows.
        let text = format!("{}，后文", "字".repeat(30));
        l.paragraph(&text, BODY);
        assert!(
            l.lines.iter().all(|p| !p.text.starts_with('，')),
            "{:?}",
            l.lines.iter().map(|p| &p.text).collect::<Vec<_>>()
        );
        assert!(l.lines[0].text.ends_with('，'), "the comma hangs on the first line");
    }

    #[test]
    fn long_letters_run_onto_more_pages() {
        let font = CjkFont::find(None).unwrap();
        let mut long = letter();
        long.paragraphs = vec!["本机关将依法办理并书面答复。".repeat(40); 6];
        let pdf = long.pdf(&font).unwrap();
        // 3,360 characters at 30 a line are 112 lines of 27 pt: five pages of 698 pt.
        assert_eq!(page_count(&pdf), 5);
        assert_eq!(page_count(&letter().pdf(&font).unwrap()), 1);
    }

    /// The text of a PDF as Debian's poppler-utils extracts it.
    fn pdf_text(pdf: &[u8]) -> String {
        use std::io::Write as _;
        use std::process::{Command, Stdio};
        let mut child = Command::new("pdftotext")
            .args(["-layout", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("this test needs pdftotext (the Debian package poppler-utils): {e}"));
        child.stdin.take().expect("stdin").write_all(pdf).expect("pdftotext reads the PDF");
        let out = child.wait_with_output().expect("pdftotext runs");
        assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
    }

    #[test]
    fn an_agreement_has_a_line_for_each_signature_and_a_place_for_the_seal() {
        let font = CjkFont::find(None).unwrap();
        let labels = SIGNERS;
        let agreement = agreement();
        let pdf = agreement.pdf(&font).unwrap();
        let text: String = pdf_text(&pdf).chars().filter(|c| !c.is_whitespace()).collect();
        for label in labels {
            assert!(text.contains(&format!("{label}（签名）：")), "{label} in {text}");
        }
        assert_eq!(text.matches("年月日").count(), labels.len(), "a date to fill in per signature");
        assert!(text.contains("（盖章处）"), "the seal's place");
        assert!(text.contains("枫源村人民调解委员会（印章）"));
        // The signatures come after the facts and before the issuer.
        let at = |s: &str| text.find(s).unwrap();
        assert!(at("第1版") < at(labels[0]) && at("人民调解员（签名）") < at("（盖章处）"));
        assert!(at("（盖章处）") < at("枫源村人民调解委员会（印章）"));
        // A letter without signatures has neither.
        let plain = pdf_text(&letter().pdf(&font).unwrap());
        assert!(!plain.contains("签名") && !plain.contains("盖章处"));
    }

    /// The page tree's count, read from the PDF's text.
    fn page_count(pdf: &[u8]) -> usize {
        let text = String::from_utf8_lossy(pdf);
        let at = text.find("/Count ").expect("a page tree") + "/Count ".len();
        text[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
    }
}
