//! Request extractors that turn every way a body can be wrong into an [`ApiError`] naming the
//! field: not JSON, JSON of the wrong shape, too large, or the wrong media type.

use crate::problem::{ApiError, JsonProblem};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

/// A JSON body, deserialised strictly with the failing field's path kept.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            });
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::MalformedJson(rejection.body_text())
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Deserialises `bytes`, reporting the path of the first field that does not fit.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        classify(&path, &inner)
    })
}

fn classify(path: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    if !matches!(e.classify(), Category::Data) {
        return ApiError::MalformedJson(format!("line {} column {}: {e}", e.line(), e.column()));
    }
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    let quoted = message.split('`').nth(1).unwrap_or_default();
    let join =
        |name: &str| if path == "." || path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    let here = if path == "." || path.is_empty() { "(body)".to_owned() } else { path.to_owned() };
    if message.starts_with("unknown field") {
        // serde_path_to_error already points at the unknown field itself.
        let field = if path.ends_with(quoted) { here } else { join(quoted) };
        ApiError::BadJson { field, problem: JsonProblem::UnknownField }
    } else if message.starts_with("missing field") {
        ApiError::BadJson { field: join(quoted), problem: JsonProblem::MissingField }
    } else if message.starts_with("unknown variant") {
        let expected = message.split("expected ").nth(1).unwrap_or_default();
        ApiError::BadJson {
            field: here,
            problem: JsonProblem::UnknownValue(format!("`{quoted}`; expected {expected}")),
        }
    } else {
        ApiError::BadJson { field: here, problem: JsonProblem::WrongType(message.to_owned()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        A,
    }

    fn field(json: &str) -> (String, String) {
        match parse::<Outer>(json.as_bytes()) {
            Err(ApiError::BadJson { field, problem }) => (field, format!("{problem:?}")),
            other => (format!("{other:?}"), String::new()),
        }
    }

    #[test]
    fn names_the_field_that_failed() {
        assert_eq!(field(r#"{"name":"x","inner":[{"n":1,"kind":"a","z":1}]}"#).0, "inner[0].z");
        assert_eq!(field(r#"{"name":"x","inner":[{"n":"1","kind":"a"}]}"#).0, "inner[0].n");
        assert_eq!(field(r#"{"name":"x","inner":[{"n":1}]}"#).0, "inner[0].kind");
        assert_eq!(field(r#"{"inner":[]}"#).0, "name");
        let (f, p) = field(r#"{"name":"x","inner":[{"n":1,"kind":"b"}]}"#);
        assert_eq!(f, "inner[0].kind");
        assert!(p.contains("UnknownValue"), "{p}");
        assert!(matches!(parse::<Outer>(b"{not json"), Err(ApiError::MalformedJson(_))));
    }
}
