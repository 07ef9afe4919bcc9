//! The account page's application tokens: revoking one of one's own (they are made with
//! `quire token create`, which prints the secret once).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{AdminError, Staff};
use crate::WebState;

/// `POST /admin/account/tokens/{id}/revoke`: the token stops working at once.
pub async fn revoke(
    State(state): State<WebState>,
    Staff(session): Staff,
    Path(id): Path<i64>,
) -> Result<Response, AdminError> {
    match state.app.revoke_api_token(session.user.id, id).await {
        Ok(()) => Ok(Redirect::to("/admin/account").into_response()),
        Err(quire_app::Error::NotFound) => Err(AdminError::NotFound),
        Err(e) => Err(e.into()),
    }
}
