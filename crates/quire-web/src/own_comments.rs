//! `GET|POST /comments/{id}/edit` and `GET|POST /comments/{id}/delete`: a guest changes their own
//! comment from the browser it was written in, for a while after posting. Plain forms and themed
//! pages first (303 back to the thread); with `Accept: application/json`, JSON or problem+json for
//! the enhanced page. A refused edit keeps the text typed.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quire_app::comments::{OwnCommentError, OwnCommentView, OwnEdit};
use quire_core::policy::RejectReason;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::comments::{comment_fragment, guest_of, problem, wants_json};
use crate::csrf::cross_site;
use crate::error::{AppError, plain};
use crate::pages::error_page;
use crate::{WebState, seo};

/// The edit and delete forms' fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OwnFields {
    /// The new text (edit only).
    comment: String,
    /// The signed edit token.
    quire_edit_token: String,
}

/// What `comment-edit.html` is given.
#[derive(Debug, Serialize)]
struct EditForm {
    id: i64,
    action: String,
    token: String,
    text: String,
    errors: BTreeMap<String, String>,
    message: Option<String>,
    can_save: bool,
    pending: bool,
    minutes_left: i64,
    post_title: Option<String>,
    comment_url: Option<String>,
    delete_url: String,
}

impl EditForm {
    fn new(id: i64, own: Option<&OwnCommentView>, text: String) -> EditForm {
        EditForm {
            id,
            action: format!("/comments/{id}/edit"),
            token: own.map(|o| o.token.clone()).unwrap_or_default(),
            text,
            errors: BTreeMap::new(),
            message: None,
            can_save: own.is_some(),
            pending: own.is_some_and(|o| o.pending),
            minutes_left: own.map_or(0, |o| o.minutes_left),
            post_title: own.map(|o| o.post_title.clone()),
            comment_url: own.map(|o| o.url.clone()),
            delete_url: format!("/comments/{id}/delete"),
        }
    }
}

fn status_of(error: &OwnCommentError) -> StatusCode {
    match error {
        OwnCommentError::NotFound => StatusCode::NOT_FOUND,
        OwnCommentError::NotYours
        | OwnCommentError::WindowPassed(_)
        | OwnCommentError::Rejected(RejectReason::Closed | RejectReason::ClosedAfterDays(_)) => StatusCode::FORBIDDEN,
        OwnCommentError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        OwnCommentError::BadToken | OwnCommentError::Invalid(_) | OwnCommentError::Rejected(_) => {
            StatusCode::BAD_REQUEST
        }
    }
}

/// The message a reader is shown; internals are logged here, once.
fn message_of(error: &OwnCommentError) -> String {
    match error {
        OwnCommentError::Internal(e) => {
            tracing::error!(error = %e, "changing an own comment failed");
            "Your change could not be saved because of an error on our side; your text is kept below.".into()
        }
        OwnCommentError::Invalid(_) => "Please correct the marked field; your text is kept below.".into(),
        other => other.to_string(),
    }
}

/// The error as a themed page (nothing typed to keep).
async fn refusal_page(state: &WebState, error: OwnCommentError, path: &str) -> Response {
    let message = message_of(&error);
    let app_error = match status_of(&error) {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::FORBIDDEN => AppError::Forbidden(message),
        StatusCode::INTERNAL_SERVER_ERROR => AppError::Internal(error.to_string()),
        _ => AppError::BadRequest(message),
    };
    error_page(state, app_error, path).await
}

fn json_refusal(error: &OwnCommentError) -> Response {
    let mut errors = BTreeMap::new();
    if let OwnCommentError::Invalid(e) = error {
        errors.insert(e.field.as_str().to_string(), e.message.clone());
    }
    problem(status_of(error), &message_of(error), &errors, None)
}

fn comment_id(raw: &str) -> Option<i64> {
    raw.parse().ok().filter(|id: &i64| *id > 0)
}

fn personal(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn render_page(
    state: &WebState,
    template: &str,
    title: &str,
    path: &str,
    context: serde_json::Value,
) -> Response {
    let site = match state.app.site_view().await {
        Ok(site) => site,
        Err(e) => return error_page(state, e.into(), path).await,
    };
    let meta = seo::for_error(&site, title, path);
    let mut context = context;
    if let Some(map) = context.as_object_mut() {
        map.insert("site".into(), json!(site));
        map.insert("meta".into(), json!(meta));
        map.insert("request_path".into(), json!(path));
    }
    match state.theme.render(template, context) {
        Ok(html) => html_response(StatusCode::OK, html),
        Err(e) => error_page(state, e.into(), path).await,
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    personal((status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// `GET /comments/{id}/edit`: the edit form, prefilled.
pub async fn edit_page(State(state): State<WebState>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("/comments/{raw}/edit");
    let Some(id) = comment_id(&raw) else { return personal(error_page(&state, AppError::NotFound, &path).await) };
    let guest = guest_of(&state, &headers);
    match state.app.own_comment(id, guest.as_ref()).await {
        Ok(own) => {
            let form = EditForm::new(id, Some(&own), own.markdown.clone());
            personal(
                render_page(&state, "comment-edit.html", "Edit your comment", &path, json!({ "edit": form })).await,
            )
        }
        Err(e) => personal(refusal_page(&state, e, &path).await),
    }
}

/// `POST /comments/{id}/edit`: saves the new text.
pub async fn edit(
    State(state): State<WebState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    form: Result<Form<OwnFields>, FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    let path = format!("/comments/{raw}/edit");
    let Some(id) = comment_id(&raw) else { return personal(error_page(&state, AppError::NotFound, &path).await) };
    let Ok(Form(fields)) = form else {
        return plain(StatusCode::BAD_REQUEST, "The form could not be read (it must be UTF-8 form data).");
    };
    let guest = guest_of(&state, &headers);
    let edit = OwnEdit {
        id,
        text: fields.comment.clone(),
        token: fields.quire_edit_token,
        guest: guest.clone(),
        ip: Some(peer.ip()),
        user_agent: headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_string),
    };
    let json = wants_json(&headers);
    match state.app.edit_own_comment(edit).await {
        Ok(edited) if json => {
            let html = comment_fragment(&state, &edited.view, true).ok();
            let body = json!({
                "id": edited.id,
                "status": edited.status,
                "url": edited.url,
                "held_because": edited.held_because,
                "html": html,
            });
            personal((StatusCode::OK, axum::Json(body)).into_response())
        }
        Ok(edited) => match HeaderValue::from_str(&edited.url) {
            Ok(location) => personal((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()),
            Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "The comment's address is invalid."),
        },
        Err(error) if json => personal(json_refusal(&error)),
        Err(error) => {
            let status = status_of(&error);
            let message = message_of(&error);
            // Where the comment may still be changed, offer the form again with a fresh token.
            let retry = match &error {
                OwnCommentError::BadToken | OwnCommentError::Invalid(_) | OwnCommentError::Rejected(_)
                    if status == StatusCode::BAD_REQUEST =>
                {
                    state.app.own_comment(id, guest.as_ref()).await.ok()
                }
                _ => None,
            };
            let mut form = EditForm::new(id, retry.as_ref(), fields.comment);
            form.message = Some(message);
            if let OwnCommentError::Invalid(e) = &error {
                form.errors.insert(e.field.as_str().to_string(), e.message.clone());
            }
            let mut response =
                render_page(&state, "comment-edit.html", "Edit your comment", &path, json!({ "edit": form })).await;
            if response.status() == StatusCode::OK {
                *response.status_mut() = status;
            }
            personal(response)
        }
    }
}

/// `GET /comments/{id}/delete`: asks to confirm (the no-JavaScript path).
pub async fn delete_page(State(state): State<WebState>, Path(raw): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("/comments/{raw}/delete");
    let Some(id) = comment_id(&raw) else { return personal(error_page(&state, AppError::NotFound, &path).await) };
    let guest = guest_of(&state, &headers);
    match state.app.own_comment(id, guest.as_ref()).await {
        Ok(own) => personal(
            render_page(&state, "comment-delete.html", "Delete your comment", &path, json!({ "own": own })).await,
        ),
        Err(e) => personal(refusal_page(&state, e, &path).await),
    }
}

/// `POST /comments/{id}/delete`: moves the comment to the trash.
pub async fn delete(
    State(state): State<WebState>,
    Path(raw): Path<String>,
    headers: HeaderMap,
    form: Result<Form<OwnFields>, FormRejection>,
) -> Response {
    if cross_site(&state, &headers) {
        return plain(StatusCode::FORBIDDEN, "This form was sent from another site and was refused.");
    }
    let path = format!("/comments/{raw}/delete");
    let Some(id) = comment_id(&raw) else { return personal(error_page(&state, AppError::NotFound, &path).await) };
    let Ok(Form(fields)) = form else {
        return plain(StatusCode::BAD_REQUEST, "The form could not be read (it must be UTF-8 form data).");
    };
    let guest = guest_of(&state, &headers);
    let json = wants_json(&headers);
    match state.app.delete_own_comment(id, guest.as_ref(), &fields.quire_edit_token).await {
        Ok(post) if json => {
            personal((StatusCode::OK, axum::Json(json!({ "id": id, "deleted": true, "url": post }))).into_response())
        }
        Ok(post) => match HeaderValue::from_str(&format!("{post}#comments")) {
            Ok(location) => personal((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()),
            Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "The post's address is invalid."),
        },
        Err(error) if json => personal(json_refusal(&error)),
        Err(error) => personal(refusal_page(&state, error, &path).await),
    }
}
