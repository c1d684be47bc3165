//! Actions and approvals: what may be done to an object (RBAC and the safety policy), doing it
//! through the gate, and deciding on pending requests. Decisions live in `safety`.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::clusters::connection;
use super::error::{ApiError, Json, Path};
use super::observe::RequestId;
use super::resources::kube_error;
use crate::cluster::kinds;
use crate::cluster::ops::{self, Action, Outcome};
use crate::safety::actions::{ActionError, Submitted};
use crate::safety::{Actor, Decision, Target};
use crate::store::{ActionRecord, ApprovalRecord};

impl From<ActionError> for ApiError {
    fn from(e: ActionError) -> ApiError {
        match e {
            ActionError::UnknownApproval(_) => ApiError::not_found(e.to_string()),
            ActionError::AlreadyDecided(_) => ApiError::new(StatusCode::CONFLICT, "already_decided", e.to_string()),
            ActionError::Cluster(c) => c.into(),
            ActionError::Store(s) => s.into(),
        }
    }
}

/// The person at the keyboard. The desktop has one user; the bearer token is theirs.
fn user() -> Actor {
    Actor::User("local".into())
}

/// One action as offered on an object.
#[derive(Serialize, ToSchema)]
pub struct Offered {
    pub action: Action,
    pub operation: String,
    /// RBAC lets the context's user do it.
    pub allowed_by_rbac: bool,
    pub rbac: String,
    /// What the safety policy would say: allowed, needs_approval or refused.
    pub policy: Decision,
}

#[derive(Serialize, ToSchema)]
pub struct OfferedList {
    pub items: Vec<Offered>,
}

#[utoipa::path(get, path = "/api/v1/clusters/{context}/resources/{kind}/{namespace}/{name}/actions", tag = "actions", security(("bearer" = [])),
    params(("context" = String, Path), ("kind" = String, Path), ("namespace" = String, Path), ("name" = String, Path)),
    responses((status = 200, description = "each action with what RBAC (SelfSubjectAccessReview) and the safety policy say", body = OfferedList)))]
pub async fn offered(
    State(state): State<AppState>,
    Path((context, kind, namespace, name)): Path<(String, String, String, String)>,
) -> Result<Json<OfferedList>, ApiError> {
    let conn = connection(&state, &context).await?;
    let kind_name = kinds::find(&kind).map(|k| k.kind.to_string()).unwrap_or(kind);
    let ns = (namespace != "_").then_some(namespace);
    let target = Target {
        context,
        kind: kind_name.clone(),
        namespace: ns.clone(),
        name: name.clone(),
    };
    let mut items = Vec::new();
    for action in ops::offered_for(&kind_name) {
        let (allowed_by_rbac, rbac) = ops::may(&conn.client, &action, &kind_name, ns.as_deref(), &name)
            .await
            .map_err(|e| kube_error("asking the API server what this user may do", &e))?;
        let operation = action.operation(&kind_name).to_string();
        let policy = state.gate.evaluate(&operation, &target, &user());
        items.push(Offered {
            action,
            operation,
            allowed_by_rbac,
            rbac,
            policy,
        });
    }
    Ok(Json(OfferedList { items }))
}

#[derive(Deserialize, ToSchema)]
pub struct ActionRequest {
    pub kind: String,
    /// Absent for cluster-scoped kinds.
    pub namespace: Option<String>,
    pub name: String,
    pub action: Action,
}

#[utoipa::path(post, path = "/api/v1/clusters/{context}/actions", tag = "actions", security(("bearer" = [])),
    params(("context" = String, Path)), request_body = ActionRequest,
    responses((status = 200, description = "applied, failed, or refused by the safety policy", body = Submitted), (status = 202, description = "waiting for approval", body = Submitted)))]
pub async fn run(
    State(state): State<AppState>,
    Path(context): Path<String>,
    Extension(request_id): Extension<RequestId>,
    Json(req): Json<ActionRequest>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let kind = match &req.action {
        // Apply names its objects itself; the target is the first one, for the audit log.
        Action::Apply { .. } => req.kind.clone(),
        _ => kinds::find(&req.kind)
            .map(|k| k.kind.to_string())
            .unwrap_or(req.kind.clone()),
    };
    let allowed_kinds = req.action.kinds();
    if !allowed_kinds.is_empty() && !allowed_kinds.contains(&kind.as_str()) {
        return Err(ApiError::bad_request(format!(
            "{} does not apply to {kind}; it applies to {}",
            req.action.operation(&kind),
            allowed_kinds.join(", ")
        )));
    }
    let target = Target {
        context,
        kind,
        namespace: req.namespace,
        name: req.name,
    };
    let submitted = state
        .actions()
        .submit(req.action, target, &user(), Some(&request_id.0))
        .await?;
    let status = if matches!(submitted, Submitted::PendingApproval { .. }) {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(submitted)))
}

#[derive(Deserialize, ToSchema)]
pub struct DryRunRequest {
    /// One or more YAML documents.
    pub yaml: String,
    /// Where documents that name no namespace go (as `kubectl apply -n`); `default` without it.
    pub namespace: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/clusters/{context}/apply/dry-run", tag = "actions", security(("bearer" = [])),
    params(("context" = String, Path)), request_body = DryRunRequest,
    responses((status = 200, description = "what a server-side apply would change; nothing is changed", body = Outcome), (status = 422, body = super::error::ErrorBody)))]
pub async fn dry_run(
    State(state): State<AppState>,
    Path(context): Path<String>,
    Json(req): Json<DryRunRequest>,
) -> Result<Json<Outcome>, ApiError> {
    let conn = connection(&state, &context).await?;
    let outcome = ops::apply(&conn.client, &req.yaml, req.namespace.as_deref(), true)
        .await
        .map_err(|e| kube_error("the server dry run", &e))?;
    Ok(Json(outcome))
}

#[derive(Serialize, ToSchema)]
pub struct PendingApproval {
    pub approval: ApprovalRecord,
    pub action: ActionRecord,
}

#[derive(Serialize, ToSchema)]
pub struct PendingList {
    pub items: Vec<PendingApproval>,
}

#[utoipa::path(get, path = "/api/v1/approvals", tag = "actions", security(("bearer" = [])),
    responses((status = 200, description = "pending approval requests, oldest first", body = PendingList)))]
pub async fn pending(State(state): State<AppState>) -> Result<Json<PendingList>, ApiError> {
    let items = state
        .store
        .pending_approvals()
        .await?
        .into_iter()
        .map(|(approval, action)| PendingApproval { approval, action })
        .collect();
    Ok(Json(PendingList { items }))
}

#[utoipa::path(post, path = "/api/v1/approvals/{id}/approve", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Submitted), (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(request_id): Extension<RequestId>,
) -> Result<Json<Submitted>, ApiError> {
    Ok(Json(state.actions().approve(&id, "local", Some(&request_id.0)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct Rejection {
    /// Why (kept in the audit log).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/approvals/{id}/reject", tag = "actions", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Rejection,
    responses((status = 200, body = ActionRecord), (status = 400, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Extension(request_id): Extension<RequestId>,
    Json(body): Json<Rejection>,
) -> Result<Json<ActionRecord>, ApiError> {
    if body.reason.trim().is_empty() {
        return Err(ApiError::bad_request(
            "say why the action is rejected ('reason'); it is kept in the audit log",
        ));
    }
    Ok(Json(
        state
            .actions()
            .reject(&id, "local", &body.reason, Some(&request_id.0))
            .await?,
    ))
}
