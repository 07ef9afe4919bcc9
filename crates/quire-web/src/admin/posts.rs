//! The post and page editor under `/admin/posts` and `/admin/pages`: lists by status, the editor
//! (works without JavaScript; `admin-editor.js` adds the live preview and autosave), save and
//! publish actions, trash and restore, and the JSON endpoints the script calls. The role checks
//! live in the use cases (`quire_app::editing`), which answer `Forbidden` for what a role may not do.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use quire_app::editing::{EditError, EditorInput, EditorView, Intent};
use quire_core::{Action, PostId, PostKind, PostStatus};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminError, Staff, render};
use crate::WebState;

/// The editor routes, for posts and for pages alike.
pub fn routes() -> Router<WebState> {
    let mut router = Router::new().route("/admin/preview", post(preview));
    for base in ["/admin/posts", "/admin/pages"] {
        router = router
            .route(base, get(list))
            .route(&format!("{base}/new"), get(new_page).post(create))
            .route(&format!("{base}/{{id}}"), get(edit_page).post(save))
            .route(&format!("{base}/{{id}}/trash"), post(trash))
            .route(&format!("{base}/{{id}}/restore"), post(restore))
            .route(&format!("{base}/{{id}}/autosave"), post(autosave))
            .route(&format!("{base}/{{id}}/revisions"), get(super::revisions::list))
            .route(&format!("{base}/{{id}}/revisions/{{revision}}"), get(super::revisions::show))
            .route(&format!("{base}/{{id}}/revisions/{{revision}}/restore"), post(super::revisions::restore));
    }
    router
}

/// Posts or pages, from the address (`/admin/pages…` is pages).
#[derive(Debug, Clone, Copy)]
pub(super) struct Kind(pub PostKind);

impl Kind {
    /// `/admin/posts` or `/admin/pages`.
    pub(super) fn base(self) -> &'static str {
        match self.0 {
            PostKind::Post => "/admin/posts",
            PostKind::Page => "/admin/pages",
        }
    }

    /// "post" or "page", for sentences.
    pub(super) fn noun(self) -> &'static str {
        self.0.as_str()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Kind {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Kind(if parts.uri.path().starts_with("/admin/pages") { PostKind::Page } else { PostKind::Post }))
    }
}

/// A post id from the address; anything but a number is a page that does not exist.
pub(super) fn post_id(raw: &str) -> Result<PostId, AdminError> {
    raw.parse::<i64>().map(PostId).map_err(|_| AdminError::NotFound)
}

/// An editor failure that is not the form's own (the form shows those itself).
pub(super) fn admin_error(e: EditError) -> AdminError {
    match e {
        EditError::Forbidden => AdminError::Forbidden,
        EditError::NotFound => AdminError::NotFound,
        EditError::Internal(e) => AdminError::from(e),
        other => AdminError::Internal(other.to_string()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    status: String,
    page: Option<u32>,
}

/// `GET /admin/posts` (and pages): one status or all but trash, with counts; writers who may
/// not edit others' posts see their own only.
async fn list(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Query(query): Query<ListQuery>,
) -> Result<Response, AdminError> {
    staff.require_on(Action::EditPosts, quire_core::Ownership::Own)?;
    let status = match query.status.as_str() {
        "" | "all" => None,
        s => Some(s.parse::<PostStatus>().map_err(|_| AdminError::NotFound)?),
    };
    let user = &staff.0.user;
    let found = state.app.staff_posts(user, kind.0, status, query.page.unwrap_or(1)).await.map_err(admin_error)?;
    let count = |s: PostStatus| found.counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
    let all: u64 = found.counts.iter().filter(|(s, _)| *s != PostStatus::Trash).map(|(_, n)| n).sum();
    let mut filters = vec![json!({ "status": "all", "label": "All", "count": all, "current": status.is_none() })];
    for s in PostStatus::ALL {
        filters.push(
            json!({ "status": s.as_str(), "label": label(*s), "count": count(*s), "current": status == Some(*s) }),
        );
    }
    let posts: Vec<Value> = found
        .posts
        .items
        .iter()
        .map(|p| {
            json!({
                "id": p.id.0,
                "title": p.title,
                "status": p.status.as_str(),
                "status_label": label(p.status),
                "updated_iso": p.updated_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                "mine": p.author_id == user.id,
            })
        })
        .collect();
    let plural = if kind.0 == PostKind::Page { "Pages" } else { "Posts" };
    let page = json!({
        "title": plural,
        "kind": kind.noun(),
        "base": kind.base(),
        "filters": filters,
        "status": status.map(PostStatus::as_str),
        "posts": posts,
        "page": found.posts.number,
        "pages": found.posts.total_pages(),
    });
    Ok(render(&state, StatusCode::OK, "admin/posts.html", Some(&staff.0), page).await)
}

/// What a status is called in the admin.
pub(super) fn label(status: PostStatus) -> &'static str {
    match status {
        PostStatus::Draft => "Draft",
        PostStatus::Pending => "Pending review",
        PostStatus::Scheduled => "Scheduled",
        PostStatus::Published => "Published",
        PostStatus::Private => "Private",
        PostStatus::Trash => "Trash",
    }
}

/// The editor form as sent.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct EditorForm {
    title: String,
    slug: String,
    markdown: String,
    excerpt: String,
    tags: String,
    categories: String,
    featured_media: String,
    content_warning: String,
    comments_open: Option<String>,
    publish_at: String,
    version: String,
    action: String,
}

impl EditorForm {
    fn input(self) -> EditorInput {
        EditorInput {
            title: self.title,
            slug: self.slug,
            markdown: self.markdown,
            excerpt: self.excerpt,
            tags: self.tags,
            categories: self.categories,
            featured_media: self.featured_media,
            content_warning: self.content_warning,
            comments_open: self.comments_open.is_some(),
            publish_at: self.publish_at,
            version: self.version,
            intent: Intent::parse(&self.action),
        }
    }
}

/// Renders the editor with `view`, an optional error `message` (status 422 and the like) and notice.
async fn editor(
    state: &WebState,
    staff: &Staff,
    kind: Kind,
    status: StatusCode,
    view: EditorView,
    message: Option<String>,
    notice: Option<&str>,
) -> Response {
    let session = &staff.0;
    let heading = match (view.id, kind.0) {
        (None, PostKind::Post) => "New post",
        (None, PostKind::Page) => "New page",
        (Some(_), PostKind::Post) => "Edit post",
        (Some(_), PostKind::Page) => "Edit page",
    };
    let page = json!({
        "title": heading,
        "kind": kind.noun(),
        "base": kind.base(),
        "action": match view.id { Some(id) => format!("{}/{id}", kind.base()), None => format!("{}/new", kind.base()) },
        "status_label": view.status.parse::<PostStatus>().map(label).unwrap_or("Draft"),
        "may_publish": session.can(Action::PublishPosts, quire_core::Ownership::Own),
        "editor": view,
        "message": message,
        "notice": notice,
    });
    render(state, status, "admin/editor.html", Some(session), page).await
}

/// `GET /admin/posts/new`: a blank editor.
async fn new_page(State(state): State<WebState>, staff: Staff, kind: Kind) -> Result<Response, AdminError> {
    staff.require(Action::CreateDrafts)?;
    Ok(editor(&state, &staff, kind, StatusCode::OK, EditorView::blank(kind.0), None, None).await)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct EditQuery {
    saved: Option<String>,
    restore: Option<String>,
}

/// `GET /admin/posts/{id}`: the editor on a stored post (`?restore=autosave` brings the newer
/// autosave back into the form).
async fn edit_page(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path(id): Path<String>,
    Query(query): Query<EditQuery>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    let restore = query.restore.as_deref() == Some("autosave");
    let view = state.app.editor_view(&staff.0.user, kind.0, id, restore).await.map_err(admin_error)?;
    let notice = match query.saved.as_deref() {
        Some("published") => Some("Published."),
        Some("scheduled") => Some("Scheduled: it will be published at the time you chose."),
        Some("pending") => Some("Submitted for review. An editor will publish it."),
        Some("trash") => Some("Moved to the trash."),
        Some("restored") => Some("Restored."),
        Some(_) => Some("Saved."),
        None if restore => Some("Your autosaved text is back in the form. Save to keep it."),
        None => None,
    };
    Ok(editor(&state, &staff, kind, StatusCode::OK, view, None, notice).await)
}

/// `POST /admin/posts/new`: the first save of a new post.
async fn create(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Form(form): Form<EditorForm>,
) -> Result<Response, AdminError> {
    let input = form.input();
    match state.app.save_from_editor(&staff.0.user, kind.0, None, &input).await {
        Ok(saved) => Ok(saved_redirect(kind, saved)),
        Err(e) => refused(&state, &staff, kind, None, &input, e).await,
    }
}

/// `POST /admin/posts/{id}`: a save of a stored post (the button pressed says which).
async fn save(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path(id): Path<String>,
    Form(form): Form<EditorForm>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    let input = form.input();
    match state.app.save_from_editor(&staff.0.user, kind.0, Some(id), &input).await {
        Ok(saved) => Ok(saved_redirect(kind, saved)),
        Err(e) => refused(&state, &staff, kind, Some(id), &input, e).await,
    }
}

fn saved_redirect(kind: Kind, saved: quire_app::editing::Saved) -> Response {
    Redirect::to(&format!("{}/{}?saved={}", kind.base(), saved.id, saved.status)).into_response()
}

/// A refused save: the form again with the writer's text and a plain message, the stale-edit
/// page with both texts, or an admin error page.
async fn refused(
    state: &WebState,
    staff: &Staff,
    kind: Kind,
    id: Option<PostId>,
    input: &EditorInput,
    error: EditError,
) -> Result<Response, AdminError> {
    match error {
        EditError::Invalid(_) | EditError::SlugTaken(_) => {
            let message = error.to_string();
            let base = match id {
                Some(id) => state.app.editor_view(&staff.0.user, kind.0, id, false).await.map_err(admin_error)?,
                None => EditorView::blank(kind.0),
            };
            let view = base.with_input(input);
            Ok(editor(state, staff, kind, StatusCode::UNPROCESSABLE_ENTITY, view, Some(message), None).await)
        }
        EditError::Stale(current) => Ok(super::revisions::conflict(state, staff, kind, &current, input).await),
        other => Err(admin_error(other)),
    }
}

/// `POST /admin/posts/{id}/trash`.
async fn trash(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    state.app.trash_post(&staff.0.user, kind.0, id).await.map_err(admin_error)?;
    Ok(Redirect::to(&format!("{}?status=trash", kind.base())).into_response())
}

/// `POST /admin/posts/{id}/restore`: out of the trash, as a draft.
async fn restore(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path(id): Path<String>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    state.app.restore_post(&staff.0.user, kind.0, id).await.map_err(admin_error)?;
    Ok(Redirect::to(&format!("{}/{id}?saved=restored", kind.base())).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct TextForm {
    title: String,
    markdown: String,
}

/// `POST /admin/posts/{id}/autosave` (the editor's script): keeps the text in this writer's
/// autosave slot, never in the post. Answers `{saved_at}`.
async fn autosave(
    State(state): State<WebState>,
    staff: Staff,
    kind: Kind,
    Path(id): Path<String>,
    Form(form): Form<TextForm>,
) -> Result<Response, AdminError> {
    let id = post_id(&id)?;
    let at = state.app.autosave(&staff.0.user, kind.0, id, &form.title, &form.markdown).await.map_err(admin_error)?;
    let body = json!({ "saved_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default() });
    Ok(([(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response())
}

/// `POST /admin/preview` (the editor's script): Markdown rendered by the site's own pipeline.
/// Answers `{html}`.
async fn preview(
    State(state): State<WebState>,
    staff: Staff,
    Form(form): Form<TextForm>,
) -> Result<Response, AdminError> {
    staff.require(Action::CreateDrafts)?;
    let html = state.app.preview_html(&form.markdown).await.map_err(admin_error)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json!({ "html": html }).to_string()).into_response())
}
