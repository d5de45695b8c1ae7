//! API errors as RFC 9457 `application/problem+json`. Handlers return an [`ApiError`], which
//! carries no words; the [`localize`] middleware writes the body in the caller's language, and
//! also dresses any bare error response (an unknown route, a wrong method) as a problem.

use crate::lang::Lang;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use minsheng_domain::error::Denial;
use minsheng_domain::{DomainError, FieldError, Issue, Status};
use serde::Serialize;

/// What went wrong, in words for neither language yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No valid bearer token or session.
    Unauthorized,
    /// Login refused.
    BadCredentials,
    /// Too many failed sign-ins: try again in at most `minutes`.
    LockedOut {
        minutes: i64,
    },
    Forbidden(Denial),
    NotFound,
    /// Fields failed validation (422).
    Invalid(Vec<FieldError>),
    /// The body is not JSON at all (400).
    MalformedJson(String),
    /// JSON of the wrong shape: unknown field, wrong type, unknown value (422).
    BadJson {
        field: String,
        problem: JsonProblem,
    },
    /// A query parameter could not be read.
    BadQuery {
        field: String,
    },
    UnsupportedMediaType,
    PayloadTooLarge,
    /// The matter's state does not allow the command.
    IllegalTransition {
        command: &'static str,
        status: Status,
    },
    /// Someone else wrote first.
    StaleVersion {
        current: i64,
    },
    /// An idempotency key came back with a different request.
    KeyReused,
    Duplicate(&'static str),
    /// The server failed; details are in the log under the request id.
    Internal,
    Unavailable,
    /// PDF letters need a CJK font the server does not have.
    NoPdfFont,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonProblem {
    UnknownField,
    MissingField,
    WrongType(String),
    UnknownValue(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::BadCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::LockedOut { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) | Self::BadJson { .. } | Self::BadQuery { .. } | Self::KeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::MalformedJson(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::IllegalTransition { .. } | Self::StaleVersion { .. } | Self::Duplicate(_) => {
                StatusCode::CONFLICT
            }
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable | Self::NoPdfFont => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::BadCredentials => "bad-credentials",
            Self::LockedOut { .. } => "locked-out",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not-found",
            Self::Invalid(_) => "invalid-fields",
            Self::MalformedJson(_) => "malformed-json",
            Self::BadJson { .. } => "invalid-json",
            Self::BadQuery { .. } => "invalid-query",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::PayloadTooLarge => "payload-too-large",
            Self::IllegalTransition { .. } => "illegal-transition",
            Self::StaleVersion { .. } => "stale-version",
            Self::KeyReused => "idempotency-key-reused",
            Self::Duplicate(_) => "duplicate",
            Self::Internal => "internal",
            Self::Unavailable => "unavailable",
            Self::NoPdfFont => "no-pdf-font",
        }
    }

    /// The problem document in `lang`.
    pub fn render(&self, lang: Lang) -> Problem {
        let l = lang;
        let mut p = Problem {
            kind: format!("urn:minsheng:problem:{}", self.slug()),
            title: String::new(),
            status: self.status().as_u16(),
            detail: None,
            errors: vec![],
            current_version: None,
        };
        p.title = match self {
            Self::Unauthorized => {
                l.pick("需要登录或有效的访问令牌", "a valid session or bearer token is required").into()
            }
            Self::BadCredentials => l.pick("用户名或密码不正确", "wrong username or password").into(),
            Self::LockedOut { minutes } => match l {
                Lang::Zh => format!("登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试"),
                Lang::En => {
                    format!("too many failed sign-ins; the account is locked, try again in {minutes} minutes")
                }
            },
            Self::Forbidden(d) => l.denial(*d).into(),
            Self::NotFound => {
                l.pick("未找到，或不在您的管辖范围内", "not found, or outside your scope").into()
            }
            Self::Invalid(errors) => {
                p.errors = errors
                    .iter()
                    .map(|e| FieldProblem { label: l.field(&e.field), ..FieldProblem::new(&e.field, l.issue(&e.issue)) })
                    .collect();
                l.pick("提交的内容有误，请按提示修改", "some fields are invalid").into()
            }
            Self::MalformedJson(detail) => {
                p.detail = Some(detail.clone());
                l.pick("请求体不是有效的 JSON", "the request body is not valid JSON").into()
            }
            Self::BadJson { field, problem } => {
                let message = match (l, problem) {
                    (Lang::Zh, JsonProblem::UnknownField) => "不认识的字段，请删除".to_string(),
                    (Lang::En, JsonProblem::UnknownField) => "is not a known field".to_string(),
                    (Lang::Zh, JsonProblem::MissingField) => "缺少必填字段".to_string(),
                    (Lang::En, JsonProblem::MissingField) => "is required".to_string(),
                    (Lang::Zh, JsonProblem::WrongType(d)) => format!("类型不对：{d}"),
                    (Lang::En, JsonProblem::WrongType(d)) => format!("has the wrong type: {d}"),
                    (Lang::Zh, JsonProblem::UnknownValue(d)) => format!("取值无效：{d}"),
                    (Lang::En, JsonProblem::UnknownValue(d)) => format!("has an unknown value: {d}"),
                };
                p.errors = vec![FieldProblem::new(field, message)];
                l.pick("请求内容的格式不对", "the request body has the wrong shape").into()
            }
            Self::BadQuery { field } => {
                let message = l.pick("查询参数无效", "is not a valid value for this parameter");
                p.errors = vec![FieldProblem::new(field, message.into())];
                l.pick("查询参数有误", "a query parameter is invalid").into()
            }
            Self::UnsupportedMediaType => l
                .pick(
                    "请求体须为 JSON（Content-Type: application/json）",
                    "send JSON with Content-Type: application/json",
                )
                .into(),
            Self::PayloadTooLarge => l.pick("请求体过大", "the request body is too large").into(),
            Self::IllegalTransition { command, status } => match l {
                Lang::Zh => {
                    format!("事项当前状态为“{}”，不能执行“{}”", l.status(*status), l.command(command))
                }
                Lang::En => format!("cannot {} a matter that is {}", l.command(command), l.status(*status)),
            },
            Self::StaleVersion { current } => {
                p.current_version = Some(*current);
                match l {
                    Lang::Zh => format!("事项已被他人更新（当前版本 {current}），请刷新后重试"),
                    Lang::En => format!(
                        "the matter was changed by someone else (now version {current}); reload and retry"
                    ),
                }
            }
            Self::KeyReused => l
                .pick(
                    "该 Idempotency-Key 已用于另一个不同的请求",
                    "this Idempotency-Key was used for a different request",
                )
                .into(),
            Self::Duplicate(what) => match l {
                Lang::Zh => format!("已存在：{what}"),
                Lang::En => format!("{what} already exists"),
            },
            Self::Internal => l
                .pick(
                    "服务器内部错误，请稍后重试或联系管理员",
                    "internal error; try again or ask the operator",
                )
                .into(),
            Self::Unavailable => {
                l.pick("服务暂不可用，请稍后重试", "the service is unavailable; try again shortly").into()
            }
            Self::NoPdfFont => l
                .pick(
                    "服务器缺少中文字体，无法生成 PDF（请管理员安装 fonts-noto-cjk）；可先使用打印页面",
                    "the server has no CJK font for PDF (the operator should install fonts-noto-cjk); use the print page meanwhile",
                )
                .into(),
        };
        p
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(errors) => Self::Invalid(errors),
            DomainError::IllegalTransition { command, status } => Self::IllegalTransition { command, status },
            DomainError::Forbidden(d) => Self::Forbidden(d),
        }
    }
}

impl From<minsheng_store::StoreError> for ApiError {
    fn from(e: minsheng_store::StoreError) -> Self {
        match e {
            minsheng_store::StoreError::Duplicate(what) => Self::Duplicate(what),
            other => {
                tracing::error!(error = %other, "store failure");
                Self::Internal
            }
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(vec![e])
    }
}

impl ApiError {
    pub fn field(field: &str, issue: Issue) -> Self {
        Self::Invalid(vec![FieldError::new(field, issue)])
    }
}

/// The problem document.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Each field that failed, named by its JSON path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// With `stale-version`: the matter's version now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// The field as people call it, in the response's language (第2条协议条款·履行期限).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub label: String,
    pub message: String,
}

impl FieldProblem {
    fn new(field: &str, message: String) -> Self {
        Self { field: field.to_owned(), label: String::new(), message }
    }
}

impl IntoResponse for ApiError {
    /// A placeholder carrying the error; [`localize`] writes the body.
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Self::LockedOut { minutes } = self
            && let Ok(v) = HeaderValue::from_str(&(minutes * 60).to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response.extensions_mut().insert(self);
        response
    }
}

fn problem_response(problem: &Problem) -> Response {
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

/// Writes every error response as a problem document in the caller's language.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        let mut out = problem_response(&error.render(lang));
        for name in [header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
            if let Some(v) = response.headers().get(&name) {
                out.headers_mut().insert(name, v.clone());
            }
        }
        return out;
    }
    let status = response.status();
    let bare = !response.headers().contains_key(header::CONTENT_TYPE)
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    if (status.is_client_error() || status.is_server_error()) && bare {
        let error = match status {
            StatusCode::NOT_FOUND => ApiError::NotFound,
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType,
            StatusCode::METHOD_NOT_ALLOWED => {
                let mut p = ApiError::NotFound.render(lang);
                p.kind = "urn:minsheng:problem:method-not-allowed".into();
                p.status = 405;
                p.title = lang.pick("不支持该请求方法", "method not allowed").into();
                let mut out = problem_response(&p);
                if let Some(allow) = response.headers().get(header::ALLOW) {
                    out.headers_mut().insert(header::ALLOW, allow.clone());
                }
                return out;
            }
            s if s.is_server_error() => ApiError::Internal,
            _ => return response,
        };
        return problem_response(&error.render(lang));
    }
    response
}
