//! A post's revisions (list, diff against the current text, restore) and the stale-edit page that
//! shows the writer's text beside the one saved meanwhile and lets them choose.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use quire_app::editing::{EditError, EditorInput, revisions::line_diff};
use quire_core::Post;
use serde::Deserialize;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::posts::{Kind, admin_error, post_id};
use super::{AdminError, Staff, render};
use crate::WebState;

fn iso(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// `GET /admin/posts/{id}/revisions`: every save of the post, newest first.
pub(super) async fn list(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    let user = &staff.0.user;
    let post = state.app.post_for_editor(user, kind.0, id).await.map_err(admin_error)?;
    let revisions = state.app.revisions(user, kind.0, id).await.map_err(admin_error)?;
    let rows: Vec<Value> = revisions
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "title": r.title,
                "author": r.author_name,
                "created_iso": iso(r.created_at),
                "url": format!("{}/{id}/revisions/{}", kind.base(), r.id),
            })
        })
        .collect();
    let page = json!({
        "title": "Revisions",
        "post": { "id": id.0, "title": post.title, "edit_url": format!("{}/{id}", kind.base()) },
        "revisions": rows,
    });
    Ok(render(&state, StatusCode::OK, "admin/revisions.html", Some(&staff.0), page).await)
}

/// `GET /admin/posts/{id}/revisions/{revision}`: the diff from that revision to the current
/// text, with a button that restores it.
pub(super) async fn show(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path((id, revision)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    let revision: i64 = revision.parse().map_err(|_| AdminError::NotFound)?;
    let user = &staff.0.user;
    let post = state.app.post_for_editor(user, kind.0, id).await.map_err(admin_error)?;
    let (revision, diff) = state.app.revision_diff(user, kind.0, id, revision).await.map_err(admin_error)?;
    let page = json!({
        "title": "Compare revision",
        "post": {
            "id": id.0,
            "title": post.title,
            "edit_url": format!("{}/{id}", kind.base()),
            "version": quire_app::editing::form_version(&post),
        },
        "revision": {
            "id": revision.id,
            "title": revision.title,
            "author": revision.author_name,
            "created_iso": iso(revision.created_at),
            "restore_url": format!("{}/{id}/revisions/{}/restore", kind.base(), revision.id),
        },
        "revisions_url": format!("{}/{id}/revisions", kind.base()),
        "diff": diff,
        "changed": diff.iter().any(|l| l.change != "equal"),
    });
    Ok(render(&state, StatusCode::OK, "admin/revision.html", Some(&staff.0), page).await)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct RestoreForm {
    version: String,
}

/// `POST /admin/posts/{id}/revisions/{revision}/restore`: the revision's text becomes the post's
/// (a new save, refused like any other when someone saved since the page was opened).
pub(super) async fn restore(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path((id, revision)): Path<(String, String)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    let revision: i64 = revision.parse().map_err(|_| AdminError::NotFound)?;
    match state.app.restore_revision(&staff.0.user, kind.0, id, revision, &form.version).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/{id}?saved=restored", kind.base())).into_response()),
        Err(EditError::Stale(_)) => Ok(stale_restore(&state, &staff).await),
        // A form without its version (forged, or cut short) is bad input, not a fault of ours.
        Err(EditError::Invalid(message) | EditError::SlugTaken(message)) => {
            let page = json!({ "title": "Nothing was restored", "message": message, "status": 422 });
            Ok(render(&state, StatusCode::UNPROCESSABLE_ENTITY, "admin/error.html", Some(&staff.0), page).await)
        }
        Err(other) => Err(admin_error(other)),
    }
}

async fn stale_restore(state: &WebState, staff: &Staff) -> Response {
    let page = json!({
        "title": "Post changed meanwhile",
        "message": "Someone saved this post after you opened the revision. Nothing was restored: open the revisions again to compare with the newest text.",
        "status": 409,
    });
    render(state, StatusCode::CONFLICT, "admin/error.html", Some(&staff.0), page).await
}

/// The 409 page of a stale save: the writer's text and the text saved meanwhile, a diff between
/// them, and a choice: save theirs over it (a form carrying the newer version) or keep the other.
pub(super) async fn conflict(
    state: &WebState,
    staff: &Staff,
    kind: Kind,
    current: &Post,
    input: &EditorInput,
) -> Response {
    let newer = format!("# {}\n\n{}", current.title, current.markdown);
    let mine = format!("# {}\n\n{}", input.title, input.markdown);
    let page = json!({
        "title": "Someone else saved this post",
        "kind": kind.noun(),
        "action": format!("{}/{}", kind.base(), current.id),
        "edit_url": format!("{}/{}", kind.base(), current.id),
        "current": {
            "title": current.title,
            "markdown": current.markdown,
            "updated_iso": iso(current.updated_at),
            "version": quire_app::editing::form_version(current),
        },
        "mine": {
            "title": input.title,
            "slug": input.slug,
            "markdown": input.markdown,
            "excerpt": input.excerpt,
            "tags": input.tags,
            "categories": input.categories,
            "featured_media": input.featured_media,
            "content_warning": input.content_warning,
            "comments_open": input.comments_open,
            "publish_at": input.publish_at,
            "intent": input.intent.as_str(),
        },
        "diff": line_diff(&newer, &mine),
        "message": EditError::Stale(Box::new(current.clone())).to_string(),
    });
    render(state, StatusCode::CONFLICT, "admin/conflict.html", Some(&staff.0), page).await
}
