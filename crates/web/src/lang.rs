//! The language of a response. Chinese is the default; English when the client asks for it
//! first in `Accept-Language`. Holds the wording of every API error in both languages.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use minsheng_domain::Issue;
use minsheng_domain::error::Denial;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The first language in `Accept-Language` decides; anything not English is Chinese.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let first = headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|tag| tag.trim().to_ascii_lowercase());
        match first {
            Some(tag) if tag.starts_with("en") => Self::En,
            _ => Self::Zh,
        }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }

    /// What is wrong with a field, as a sentence.
    pub fn issue(self, issue: &Issue) -> String {
        use Issue::*;
        match (self, issue) {
            (Self::Zh, Required) => "必填，不能为空".into(),
            (Self::En, Required) => "is required and may not be empty".into(),
            (Self::Zh, TooLong { max }) => format!("过长，最多 {max} 个字符（或条）"),
            (Self::En, TooLong { max }) => format!("is too long: at most {max} characters (or items)"),
            (Self::Zh, OutOfRange { min, max }) => format!("超出范围，应在 {min} 到 {max} 之间"),
            (Self::En, OutOfRange { min, max }) => format!("is out of range: between {min} and {max}"),
            (Self::Zh, ControlCharacters) => "含有不可见的控制字符".into(),
            (Self::En, ControlCharacters) => "contains control characters".into(),
            (Self::Zh, BadPhone) => "不是有效的电话号码（手机 11 位，或带区号的固定电话）".into(),
            (Self::En, BadPhone) => {
                "is not a valid phone number (11-digit mobile, or landline with area code)".into()
            }
            (Self::Zh, BadIdCard) => "不是有效的 18 位居民身份证号码（请核对出生日期和校验位）".into(),
            (Self::En, BadIdCard) => {
                "is not a valid 18-character resident ID number (check the birth date and check digit)".into()
            }
            (Self::Zh, BadName) => "不是有效的姓名或名称".into(),
            (Self::En, BadName) => "is not a valid name".into(),
            (Self::Zh, UnknownUnit) => "单位不存在".into(),
            (Self::En, UnknownUnit) => "names no known unit".into(),
            (Self::Zh, UnknownCategory) => "分类代码不存在（见 GET /api/v1/categories）".into(),
            (Self::En, UnknownCategory) => "names no known category (see GET /api/v1/categories)".into(),
            (Self::Zh, NotInScope) => "不在您的管辖范围内".into(),
            (Self::En, NotInScope) => "is outside your scope".into(),
            (Self::Zh, MustBeInFuture) => "必须是将来的时间".into(),
            (Self::En, MustBeInFuture) => "must be in the future".into(),
            (Self::Zh, OnlyForJoint) => "只有协办（joint）才能指定协办单位".into(),
            (Self::En, OnlyForJoint) => "is only allowed for joint handling".into(),
            (Self::Zh, NeedsCoUnits) => "协办至少需要一个协办单位".into(),
            (Self::En, NeedsCoUnits) => "needs at least one co-handling unit for joint handling".into(),
            (Self::Zh, Duplicate) => "重复".into(),
            (Self::En, Duplicate) => "is a duplicate".into(),
            (Self::Zh, SameAsLead) => "不能与主办单位相同".into(),
            (Self::En, SameAsLead) => "may not be the lead unit".into(),
            (Self::Zh, BadDigest) => "不是 64 位十六进制的 SHA-256 摘要".into(),
            (Self::En, BadDigest) => "is not a hexadecimal SHA-256 digest".into(),
            (Self::Zh, NotAccepted) => "此处不接受该字段（附件须通过登记页面上传）".into(),
            (Self::En, NotAccepted) => {
                "may not be set here (attachments are uploaded through the intake page)".into()
            }
            (Self::Zh, BadKey) => "须为 1 到 200 个可见的 ASCII 字符".into(),
            (Self::En, BadKey) => "must be 1 to 200 visible ASCII characters".into(),
            (Self::Zh, OnlyOnce) => "只能进行一次，已经用过".into(),
            (Self::En, OnlyOnce) => "is allowed once, and was used already".into(),
            (Self::Zh, AlreadyPending) => "已有一项申请在等待审批".into(),
            (Self::En, AlreadyPending) => "already has a request awaiting its decision".into(),
            (Self::Zh, AtTop) => "已是最高层级，无法继续上报".into(),
            (Self::En, AtTop) => "is already at the top tier; there is nowhere higher to go".into(),
            (Self::Zh, NotBelow) => "须为当前承办单位的下级单位".into(),
            (Self::En, NotBelow) => "must be a unit below the current handling unit".into(),
            (Self::Zh, NoHours) => "该时限不能按小时计算".into(),
            (Self::En, NoHours) => "cannot be counted in hours for this limit".into(),
            (Self::Zh, BadDate) => "不是有效的日期（格式 YYYY-MM-DD）".into(),
            (Self::En, BadDate) => "is not a date (YYYY-MM-DD)".into(),
            (Self::Zh, NotOneOf) => "不是允许的取值".into(),
            (Self::En, NotOneOf) => "is not one of the allowed values".into(),
            (Self::Zh, NotAWeekend) => "只有周六、周日才能调为工作日".into(),
            (Self::En, NotAWeekend) => "only a Saturday or Sunday can be made a working day".into(),
            (Self::Zh, NotALeader) => "须为在岗的领导，且该事项在其管辖范围内".into(),
            (Self::En, NotALeader) => "must be an active leader who oversees the matter".into(),
            (Self::Zh, Unsigned) => "尚未签名：协议须经各方当事人和调解员签名".into(),
            (Self::En, Unsigned) => "has not signed: every party and the mediator must sign".into(),
            (Self::Zh, DateOrder) => "日期先后顺序不对（早于其应在之后的日期）".into(),
            (Self::En, DateOrder) => "is earlier than the date it must follow".into(),
            (Self::Zh, NotYetOccurred) => "不能晚于今天（记录的是已经发生的事）".into(),
            (Self::En, NotYetOccurred) => "may not be in the future (it records something done)".into(),
            (Self::Zh, TooLate) => "已超过法定期限".into(),
            (Self::En, TooLate) => "is past the time allowed".into(),
            (Self::Zh, WrongUnitKind) => "单位类型不符合该流转方式（如提级须为更高层级的调委会）".into(),
            (Self::En, WrongUnitKind) => {
                "is not a unit this step can go to (escalation needs a higher-tier committee)".into()
            }
            (Self::Zh, NotACommittee) => "不是人民调解委员会，且没有调委会承办该纠纷".into(),
            (Self::En, NotACommittee) => "is not a mediation committee, and no committee handles it".into(),
            (Self::Zh, NotAMediator) => "须为该调委会在岗的调解员".into(),
            (Self::En, NotAMediator) => "must be an active mediator of the committee".into(),
            (Self::Zh, NoSuchItem) => "编号不存在".into(),
            (Self::En, NoSuchItem) => "names no item of the list".into(),
            (Self::Zh, UnknownMatter) => "事项不存在，或不在您的管辖范围内".into(),
            (Self::En, UnknownMatter) => "names no matter within your scope".into(),
            (Self::Zh, MergeIntoItself) => "不能并入事项自身".into(),
            (Self::En, MergeIntoItself) => "may not be the matter itself".into(),
            (Self::Zh, AlreadyMerged) => "该事项已并入主件，不能重复并件（可先撤销并件）".into(),
            (Self::En, AlreadyMerged) => {
                "cannot be chosen: this matter is merged already (undo that first)".into()
            }
            (Self::Zh, IsAMain) => "该事项是主件，已有并件，不能再并入其他事项".into(),
            (Self::En, IsAMain) => {
                "cannot be chosen: this matter is itself a main matter with merged matters".into()
            }
            (Self::Zh, MainIsMerged) => "该主件本身已并入其他事项，请并入其主件".into(),
            (Self::En, MainIsMerged) => {
                "is itself merged into another matter; merge into that one instead".into()
            }
            (Self::Zh, MainClosed) => "主件已办结，不能再并入".into(),
            (Self::En, MainClosed) => "is closed; nothing can be merged into it".into(),
            (Self::Zh, NotMerged) => "该事项未并入任何主件，无需撤销".into(),
            (Self::En, NotMerged) => "has nothing to undo: the matter is not merged".into(),
            (Self::Zh, MergedAway) => "该事项已并入主件，请在主件上办理（或先撤销并件）".into(),
            (Self::En, MergedAway) => {
                "this matter is merged and handled on its main matter (or undo the merge first)".into()
            }
        }
    }

    /// The name of an input field, as people call it: `terms[1].deadline` → 第2条条款·履行期限.
    pub fn field(self, path: &str) -> String {
        let (head, index, rest) = match path.split_once('[') {
            Some((head, tail)) => match tail.split_once(']') {
                Some((n, rest)) => (head, n.parse::<usize>().ok(), rest.trim_start_matches('.')),
                None => (path, None, ""),
            },
            None => (path, None, ""),
        };
        let name = |key: &str| -> &'static str {
            let (zh, en) = match key {
                "title" => ("标题", "title"),
                "project" => ("涉及项目", "project"),
                "body" => ("内容", "body"),
                "text" => ("内容", "text"),
                "reason" => ("理由", "reason"),
                "note" => ("备注", "note"),
                "unit_id" => ("单位", "unit"),
                "mediator_id" => ("调解员", "mediator"),
                "committee" => ("调解委员会", "committee"),
                "requests" => ("当事人请求", "requests"),
                "referred_by" => ("移送单位", "referred by"),
                "party" => ("当事人", "party"),
                "routes" => ("告知途径", "routes"),
                "referred_to" => ("引导/移送至", "referred to"),
                "at" => ("调解时间", "time"),
                "held_at" => ("调解时间", "time held"),
                "place" => ("调解地点", "place"),
                "participants" => ("参加人员", "participants"),
                "record" => ("调解记录", "record"),
                "proposals" => ("调解方案/建议", "proposals"),
                "description" => ("风险情况", "description"),
                "reported_to" => ("报告对象", "reported to"),
                "facts" => ("纠纷主要事实", "facts"),
                "issues" => ("争议事项", "disputed issues"),
                "responsibilities" => ("各方责任", "responsibilities"),
                "terms" => ("协议条款", "terms"),
                "obligor" => ("履行人", "obligor"),
                "content" => ("内容", "content"),
                "manner" => ("履行方式", "manner"),
                "deadline" => ("履行期限", "deadline"),
                "signed_on" => ("签订日期", "signing date"),
                "signed" => ("签名", "signature"),
                "parties_signed" => ("已签名的当事人", "parties signed"),
                "mediator_signed" => ("调解员签名", "mediator's signature"),
                "draft" => ("协议文本", "draft"),
                "court" => ("受理法院", "court"),
                "filed_on" => ("申请日期", "filing date"),
                "accepted_on" => ("法院受理日期", "acceptance date"),
                "ruled_on" => ("裁定日期", "ruling date"),
                "term" => ("协议条款", "term"),
                "parties" => ("当事人", "party"),
                "amount" => ("延期天数", "amount"),
                "outcome" => ("处理结果", "outcome"),
                "due" => ("期限", "due date"),
                "review_by" => ("复核日期", "review date"),
                "reply_by" => ("反馈期限", "reply by"),
                "main_id" => ("主件", "main matter"),
                "merged_into" => ("并件", "merge"),
                "channel" => ("渠道", "channel"),
                _ => return "",
            };
            self.pick(zh, en)
        };
        // One of a list is named in the singular (terms[1] → term 2).
        let base = if index.is_some() && head == "terms" { name("term") } else { name(head) };
        if base.is_empty() {
            return path.to_owned();
        }
        let item = match (self, index) {
            (Self::Zh, Some(i)) if head == "parties" => format!("第{}位当事人", i + 1),
            (Self::Zh, Some(i)) => format!("第{}条{base}", i + 1),
            (Self::En, Some(i)) => format!("{base} {}", i + 1),
            (_, None) => base.to_owned(),
        };
        match name(rest) {
            "" => item,
            part => match self {
                Self::Zh => format!("{item}·{part}"),
                Self::En => format!("{item}: {part}"),
            },
        }
    }

    pub fn denial(self, denial: Denial) -> &'static str {
        match denial {
            Denial::Role => self.pick("您的角色无权执行此操作", "your role may not do this"),
            Denial::NotHandlingUnit => {
                self.pick("该事项不由您所在单位承办", "the matter is not handled by your unit")
            }
            Denial::OutOfScope => self.pick("该事项不在您的管辖范围内", "the matter is outside your scope"),
        }
    }

    pub fn status(self, status: minsheng_domain::Status) -> &'static str {
        use minsheng_domain::Status::*;
        match status {
            Registered => self.pick("已登记", "registered"),
            Assigned => self.pick("已交办", "assigned"),
            InProgress => self.pick("办理中", "in progress"),
            Replied => self.pick("已答复", "replied"),
            UnderReview => self.pick("复查/复核中", "under review"),
            Parked => self.pick("挂账", "on the ledger"),
            Closed => self.pick("已办结", "closed"),
        }
    }

    pub fn command(self, command: &str) -> &'static str {
        match command {
            "assign" => self.pick("交办/转办", "assign"),
            "start" => self.pick("开始办理", "start"),
            "reply" => self.pick("答复", "reply"),
            "close" => self.pick("办结", "close"),
            "reopen" => self.pick("重新办理", "reopen"),
            "comment" => self.pick("评论", "comment"),
            "return" => self.pick("退单", "return"),
            "request_extension" => self.pick("申请延期", "request an extension"),
            "decide_extension" => self.pick("延期审批", "decide an extension"),
            "follow_up" => self.pick("回访", "follow up"),
            "decline" => self.pick("不予受理/分流", "decline"),
            "request_review" => self.pick("申请复查/复核", "request a review"),
            "decide_review" => self.pick("复查/复核意见", "decide a review"),
            "escalate" => self.pick("上报", "escalate"),
            "delegate" => self.pick("下派", "delegate"),
            "supervise" => self.pick("督办", "supervise"),
            "assign_leader" => self.pick("领导包案", "assign a leader"),
            "park" => self.pick("挂账", "park on the ledger"),
            "unpark" => self.pick("销账复办", "take up again"),
            "open" => self.pick("立案", "open"),
            "cancel" => self.pick("作废", "cancel"),
            "verify" => self.pick("核查", "verify"),
            "evaluate" => self.pick("评价", "evaluate"),
            "accept_mediation" => self.pick("调解受理登记", "accept for mediation"),
            "notify_rights" => self.pick("告知权利义务", "inform the parties of their rights"),
            "refuse_mediation" => self.pick("当事人拒绝调解", "record a refusal"),
            "schedule_session" => self.pick("预约调解", "schedule a session"),
            "record_session" => self.pick("记录调解", "record a session"),
            "flag_risk" => self.pick("报告激化风险", "flag a risk of violence"),
            "draft_agreement" => self.pick("拟定调解协议", "draft the agreement"),
            "sign_agreement" => self.pick("协议签署", "record the signatures"),
            "record_oral_agreement" => self.pick("记录口头协议", "record an oral agreement"),
            "record_failure" => self.pick("调解不成", "record a failure"),
            "file_judicial" => self.pick("申请司法确认", "apply for judicial confirmation"),
            "record_judicial_acceptance" => self.pick("法院受理", "record the court's acceptance"),
            "extend_judicial" => self.pick("法院延长审查期限", "record an extension"),
            "record_judicial_ruling" => self.pick("法院裁定", "record the ruling"),
            "record_performance" => self.pick("登记履行", "record performance"),
            "record_visit" => self.pick("回访", "record a visit"),
            "record_relapse" => self.pick("登记反弹", "record a relapse"),
            "transfer_mediation" => self.pick("提级/联动移交", "transfer"),
            "merge_into" => self.pick("并入主件", "merge into a main matter"),
            "unmerge" => self.pick("撤销并件", "undo the merge"),
            "record_contact" => self.pick("记录重复来访/来电", "record a repeat contact"),
            _ => self.pick("备注", "note"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn chinese_unless_english_comes_first() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9"));
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("zh-CN,en;q=0.5"));
        assert_eq!(Lang::from_headers(&h), Lang::Zh);
    }

    #[test]
    fn fields_are_named_as_people_call_them() {
        assert_eq!(Lang::Zh.field("terms[1].deadline"), "第2条协议条款·履行期限");
        assert_eq!(Lang::Zh.field("parties[2].signed"), "第3位当事人·签名");
        assert_eq!(Lang::Zh.field("mediator_signed"), "调解员签名");
        assert_eq!(Lang::En.field("terms[0].manner"), "term 1: manner");
        // A path it does not know stays as it is, so nothing is ever lost.
        assert_eq!(Lang::Zh.field("rules[3].limit.unit"), "rules[3].limit.unit");
        assert_eq!(Lang::Zh.field("frobnicate"), "frobnicate");
    }
}
