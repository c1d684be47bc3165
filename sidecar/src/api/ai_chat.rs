//! `/api/v1/ai/chat`: send a message (a question or one kubectl-like command) about a context,
//! and read a conversation back. Translation only: the work is in `crate::ai::chat`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Extension, Router};

use super::AppState;
use super::error::{ApiError, Json, Path};
use super::observe::RequestId;
use crate::ai::chat::{ChatAnswer, ChatError, ChatHistory, ChatRequest, CommandResult};
use crate::store::ai::ChatMessageRow;

impl From<ChatError> for ApiError {
    fn from(e: ChatError) -> ApiError {
        match e {
            ChatError::BadRequest(m) => ApiError::bad_request(m),
            ChatError::NotFound(_) => ApiError::not_found(e.to_string()),
            ChatError::Store(s) => s.into(),
        }
    }
}

/// A read runs at once (when `ai.chat.enable_kubectl_commands` is on); a change never does: it
/// is refused by the safety policy or waits in `/api/v1/approvals`. Refused commands are
/// answered with 200 and `status: refused` in `commands`, so the conversation keeps them.
#[utoipa::path(post, path = "/api/v1/ai/chat", tag = "ai", security(("bearer" = [])),
    request_body = ChatRequest,
    responses((status = 200, body = ChatAnswer), (status = 400, body = super::error::ErrorBody),
        (status = 404, description = "no such conversation", body = super::error::ErrorBody)))]
pub async fn chat(
    State(s): State<AppState>,
    request_id: Option<Extension<RequestId>>,
    Json(req): Json<ChatRequest>,
) -> Result<Json<ChatAnswer>, ApiError> {
    let rid = request_id.map(|Extension(r)| r.0);
    Ok(Json(s.ai.chat.send(req, rid.as_deref()).await?))
}

#[utoipa::path(get, path = "/api/v1/ai/chat/{conversation_id}", tag = "ai", security(("bearer" = [])),
    params(("conversation_id" = String, Path)),
    responses((status = 200, body = ChatHistory), (status = 404, body = super::error::ErrorBody)))]
pub async fn chat_history(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<ChatHistory>, ApiError> {
    Ok(Json(s.ai.chat.history(&id).await?))
}

/// Routes behind the bearer-token guard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ai/chat", post(chat))
        .route("/ai/chat/{conversation_id}", get(chat_history))
}

/// These endpoints' part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(chat, chat_history),
    components(schemas(ChatRequest, ChatAnswer, CommandResult, ChatHistory, ChatMessageRow))
)]
pub struct ChatDoc;
