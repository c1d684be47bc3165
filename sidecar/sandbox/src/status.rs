//! Errors as the Kubernetes API answers them: a `metav1.Status` body whose `reason` and `code`
//! clients branch on (kube-rs `ErrorResponse`, kubectl's "Error from server (NotFound): ...").

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One failed API request, shaped like the real server's Status.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason} ({code}): {message}")]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// `pods "x" not found`; `kind` is the qualified resource (`deployments.apps`).
    pub fn not_found(qualified: &str, name: &str) -> Self {
        let (kind, group) = split_qualified(qualified);
        Self::new(404, "NotFound", format!("{qualified} \"{name}\" not found")).with_details(details(name, group, kind))
    }

    pub fn already_exists(qualified: &str, name: &str) -> Self {
        let (kind, group) = split_qualified(qualified);
        Self::new(409, "AlreadyExists", format!("{qualified} \"{name}\" already exists"))
            .with_details(details(name, group, kind))
    }

    /// An update whose resourceVersion is not the stored one (optimistic concurrency).
    pub fn conflict(qualified: &str, name: &str) -> Self {
        let (kind, group) = split_qualified(qualified);
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {qualified} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            ),
        )
        .with_details(details(name, group, kind))
    }

    /// A 422 with one cause per bad field, as validation answers.
    pub fn invalid(kind: &str, name: &str, causes: &[(&str, String)]) -> Self {
        let summary: Vec<String> = causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let message = if summary.len() == 1 {
            format!("{kind} \"{name}\" is invalid: {}", summary[0])
        } else {
            format!("{kind} \"{name}\" is invalid: [{}]", summary.join(", "))
        };
        let causes: Vec<Value> = causes
            .iter()
            .map(|(field, m)| json!({"reason": "FieldValueInvalid", "message": m, "field": field}))
            .collect();
        Self::new(422, "Invalid", message).with_details(json!({"name": name, "kind": kind, "causes": causes}))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    /// The watch or list asked for history the server no longer keeps.
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(405, "MethodNotAllowed", message)
    }

    pub fn not_acceptable() -> Self {
        Self::new(
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json",
        )
    }

    /// A body in a media type the endpoint does not read, worded as the real server words it
    /// (k8s.io/apiserver's negotiation.errUnsupportedMediaType).
    pub fn unsupported_media_type(accepted: &[&str]) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    /// The path names no resource the server knows.
    pub fn no_route() -> Self {
        Self::new(404, "NotFound", "the server could not find the requested resource").with_details(json!({}))
    }

    /// An eviction the disruption budget forbids; clients retry on 429.
    pub fn disruption_budget(pdb: &str, message: String) -> Self {
        Self::new(
            429,
            "TooManyRequests",
            "Cannot evict pod as it would violate the pod's disruption budget.",
        )
        .with_details(json!({"causes": [{"reason": "DisruptionBudget", "message": format!("The disruption budget {pdb} {message}")}]}))
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        status
    }
}

fn split_qualified(qualified: &str) -> (&str, &str) {
    qualified.split_once('.').unwrap_or((qualified, ""))
}

fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut d = json!({"name": name, "kind": kind});
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    d
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = self.to_status().to_string();
        (code, [(http::header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

/// A success Status, as DELETE of a collection or of some kinds answers.
pub fn success(details: Value) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_names_group_and_kind_like_the_api_server() {
        let s = ApiError::not_found("deployments.apps", "web").to_status();
        assert_eq!(s["message"], "deployments.apps \"web\" not found");
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(s["code"], 404);
        assert_eq!(
            s["details"],
            json!({"name": "web", "group": "apps", "kind": "deployments"})
        );
        let p = ApiError::not_found("pods", "x").to_status();
        assert_eq!(p["details"], json!({"name": "x", "kind": "pods"}));
    }

    #[test]
    fn eviction_refusal_is_429_with_a_budget_cause() {
        let e = ApiError::disruption_budget("web", "needs 2 healthy pods and has 2 currently".into());
        assert_eq!(e.code, 429);
        assert_eq!(e.to_status()["details"]["causes"][0]["reason"], "DisruptionBudget");
    }
}
