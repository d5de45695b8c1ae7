//! The documents of people's mediation, as a committee files them: the registration form
//! (受理登记表), the notice of the parties' rights and duties (人民调解法 第二十三、二十四条),
//! the record of the sessions (调解记录), the mediation agreement (调解协议书, 第二十九条) with
//! its statutory contents, a signature line for every party and the mediator and the
//! committee's seal area, and the follow-up record (回访记录). The agreement printed is the
//! version in force, or a newer draft awaiting signatures (marked as such); a signed version
//! carries its content digest.

use super::{DocKind, chinese_date};
use minsheng_docs::Letter;
use minsheng_domain::calendar::Calendar;
use minsheng_domain::party::{Party, PartyRole};
use minsheng_domain::{Event, Matter, OrgTree, RecordedEvent};

/// How a party is named in mediation documents.
fn role_words(role: PartyRole) -> &'static str {
    match role {
        PartyRole::Applicant => "申请人",
        PartyRole::Respondent => "被申请人",
        PartyRole::Other => "第三人",
    }
}

/// A party's details as the agreement states them (法第二十九条: 姓名、住所等基本情况).
fn party_line(p: &Party) -> String {
    let mut line = format!("{}：{}", role_words(p.role), p.name.as_str());
    if let Some(id) = &p.id_card {
        line.push_str(&format!("，公民身份号码{}", id.as_str()));
    }
    if let Some(a) = &p.address {
        line.push_str(&format!("，住址{}", a.as_str()));
    }
    if let Some(ph) = &p.phone {
        line.push_str(&format!("，联系电话{}", ph.as_str()));
    }
    line.push('。');
    line
}

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn numeral(i: usize) -> String {
    NUMERALS.get(i).map(|s| s.to_string()).unwrap_or_else(|| (i + 1).to_string())
}

fn date_words(d: jiff::civil::Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub(super) fn compose(
    kind: DocKind,
    m: &Matter,
    e: &RecordedEvent,
    events: &[RecordedEvent],
    org: &OrgTree,
    calendar: &Calendar,
    category: Option<&str>,
) -> Option<Letter> {
    let med = &m.mediation;
    let r = &m.registration;
    let committee = med.committee.or(m.handling.as_ref().map(|h| h.lead))?;
    let issuer = org.get(committee).map(|u| u.name.clone()).unwrap_or_default();
    let year = calendar.date_of(e.at).year();
    let number = format!("民声{}〔{year}〕第{}号", kind.mark(), m.id);
    let parties: Vec<String> = r.parties.iter().map(party_line).collect();
    let signers = |what: &str| -> Vec<String> {
        r.parties.iter().map(|p| format!("{}{} {}", role_words(p.role), what, p.name.as_str())).collect()
    };
    // What every document of the file shares; each kind fills in the rest.
    let base = Letter {
        issuer,
        title: kind.title().into(),
        number,
        addressee: String::new(),
        paragraphs: vec![],
        facts: vec![("事项编号".into(), m.id.to_string())],
        signatures: vec![],
        date: chinese_date(calendar, e.at),
    };
    match kind {
        DocKind::Rights => {
            let mut paragraphs = vec![format!(
                "你（你们）与{}之间的纠纷（{}），本委员会已于{}受理调解。根据《中华人民共和国人民调解法》的规定，现将当事人在人民调解活动中享有的权利和承担的义务告知如下：",
                r.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、"),
                r.title,
                chinese_date(calendar, e.at)
            )];
            paragraphs.push("一、当事人享有下列权利：（一）选择或者接受人民调解员；（二）接受调解、拒绝调解或者要求终止调解；（三）要求调解公开进行或者不公开进行；（四）自主表达意愿、自愿达成调解协议。".into());
            paragraphs.push("二、当事人承担下列义务：（一）如实陈述纠纷事实；（二）遵守调解现场秩序，尊重人民调解员；（三）尊重对方当事人行使权利。".into());
            paragraphs.push("三、人民调解不收取任何费用。经调解达成的调解协议具有法律约束力，当事人应当按照约定履行；当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。".into());
            paragraphs.push(
                "四、当事人不愿调解或者调解不成的，可以依法通过仲裁、行政、司法等途径维护自己的权利。".into(),
            );
            Some(Letter {
                addressee: r.parties.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、"),
                paragraphs,
                signatures: signers("（已知悉）"),
                ..base
            })
        }
        DocKind::Agreement => {
            // The newest text: a draft awaiting signatures, else the version in force.
            let (version, content, signed) = match (med.unsigned_draft(), &med.agreement) {
                (Some((v, c)), _) => (*v, c.clone(), None),
                (None, Some(a)) => (a.version, a.content.clone(), Some(a)),
                (None, None) => return None,
            };
            let mut paragraphs = vec!["当事人基本情况：".to_string()];
            paragraphs.extend(parties);
            paragraphs.push(format!("纠纷主要事实：{}", content.facts));
            paragraphs.push(format!("争议事项：{}", content.issues));
            paragraphs.push(format!("各方当事人的责任：{}", content.responsibilities));
            paragraphs.push("经本委员会主持调解，当事人自愿达成如下协议：".into());
            for (i, t) in content.terms.iter().enumerate() {
                paragraphs.push(format!(
                    "{}、{}{}。履行方式：{}；履行期限：{}前履行完毕。",
                    numeral(i),
                    t.obligor,
                    t.content.trim_end_matches('。'),
                    t.manner,
                    date_words(t.deadline)
                ));
            }
            paragraphs.push("本协议自各方当事人签名、人民调解员签名并加盖人民调解委员会印章之日起生效。调解协议具有法律约束力，当事人应当按照约定履行。当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。".into());
            paragraphs.push(format!(
                "本协议一式{}份，当事人各执一份，人民调解委员会留存一份。",
                r.parties.len() + 1
            ));
            let mut facts =
                vec![("事项编号".into(), m.id.to_string()), ("协议版本".into(), format!("第{version}版"))];
            match signed {
                Some(a) => {
                    if let Some(hash) = &a.hash {
                        facts.push(("内容摘要（SHA-256）".into(), hash.clone()));
                    }
                }
                None => {
                    facts.push(("状态".into(), "待签署（签署前可修改，签署后任何修改均为新版本）".into()))
                }
            }
            let mut signatures = signers("");
            signatures.push("人民调解员".into());
            Some(Letter {
                paragraphs,
                facts,
                signatures,
                date: signed.map(|a| date_words(a.signed_on)).unwrap_or_else(|| "    年    月    日".into()),
                ..base
            })
        }
        DocKind::MediationRegistration => {
            let Event::MediationAccepted { source, referred_by, requests, chosen_by_party, .. } = &e.event
            else {
                return None;
            };
            let tr = crate::ui::i18n::Tr::zh();
            let mut paragraphs = vec!["当事人基本情况：".to_string()];
            paragraphs.extend(parties);
            paragraphs.push(format!("纠纷简要情况：{}", r.body));
            paragraphs.push(format!("当事人请求：{requests}"));
            let mut facts = vec![
                ("事项编号".to_string(), m.id.to_string()),
                ("受理日期".into(), chinese_date(calendar, e.at)),
                ("纠纷类型".into(), category.unwrap_or(r.category.as_str()).to_string()),
                ("纠纷地点".into(), org.full_name(r.unit_id)),
                ("纠纷来源".into(), tr.of("source", source.as_str())),
            ];
            if let Some(by) = referred_by {
                facts.push(("移送单位".into(), by.clone()));
            }
            facts.push((
                "调解员".into(),
                if *chosen_by_party { "当事人选定".into() } else { "调解委员会指定".into() },
            ));
            let mut signatures = signers("");
            signatures.push("登记人".into());
            Some(Letter { paragraphs, facts, signatures, ..base })
        }
        DocKind::SessionRecord => {
            let mut paragraphs = vec![];
            let held = events.iter().filter_map(|x| match &x.event {
                Event::SessionHeld { held_at, place, participants, record, proposals } => {
                    Some((held_at, place, participants, record, proposals))
                }
                _ => None,
            });
            for (i, (at, place, participants, record, proposals)) in held.enumerate() {
                paragraphs.push(format!(
                    "第{}次调解：{}，地点：{place}；参加人员：{participants}。",
                    numeral(i),
                    super::super::ui::pages::china_time(*at)
                ));
                paragraphs.push(format!("调解情况：{record}"));
                if let Some(p) = proposals {
                    paragraphs.push(format!("调解方案/建议：{p}"));
                }
            }
            let mut signatures = signers("");
            signatures.push("人民调解员".into());
            signatures.push("记录人".into());
            Some(Letter {
                paragraphs,
                facts: vec![("事项编号".into(), m.id.to_string()), ("纠纷".into(), r.title.clone())],
                signatures,
                ..base
            })
        }
        DocKind::VisitRecord => {
            let tr = crate::ui::i18n::Tr::zh();
            let mut paragraphs = vec![];
            if let Some(a) = &med.agreement {
                paragraphs.push(format!(
                    "协议：第{}版，{}签订（{}）。",
                    a.version,
                    date_words(a.signed_on),
                    tr.of("mediation-outcome", if a.hash.is_some() { "written" } else { "oral" })
                ));
            }
            let visits = events.iter().filter_map(|x| match &x.event {
                Event::VisitRecorded { performance, satisfaction, risk, note } => {
                    Some((x.at, performance, satisfaction, risk, note))
                }
                _ => None,
            });
            for (i, (at, performance, satisfaction, risk, note)) in visits.enumerate() {
                let note = note.as_ref().map(|n| format!("；情况：{n}")).unwrap_or_default();
                paragraphs.push(format!(
                    "第{}次回访（{}）：履行情况：{}；当事人满意度：{}；遗留风险：{}{note}。",
                    numeral(i),
                    chinese_date(calendar, at),
                    tr.of("performance", performance.as_str()),
                    tr.of("satisfaction", satisfaction.as_str()),
                    tr.of("risk", risk.as_str()),
                ));
            }
            if med.relapses > 0 {
                paragraphs.push(format!("该纠纷已反弹{}次。", med.relapses));
            }
            Some(Letter {
                paragraphs,
                facts: vec![("事项编号".into(), m.id.to_string()), ("纠纷".into(), r.title.clone())],
                signatures: vec!["回访人".into(), "被回访人".into()],
                ..base
            })
        }
        _ => None,
    }
}
