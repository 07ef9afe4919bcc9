//! The moderation queue under `/admin/comments`: tabs per status with counts, filters by post and
//! author, search, pagination; per-comment and bulk actions; a comment's own page to edit it and
//! reply as the signed-in staff member. Works without JavaScript (one tiny script ticks every box).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use quire_app::accounts::StaffSession;
use quire_app::moderation::{ModerationAction, ModerationError};
use quire_core::{Action, CommentId, CommentStatus, Ownership, Page, PostId};
use quire_store::{ModeratedComment, ModerationFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::session::safe_next;
use super::{AdminError, Staff, render};
use crate::WebState;

/// Comments per page of the queue.
const PER_PAGE: u32 = 20;

impl From<ModerationError> for AdminError {
    fn from(e: ModerationError) -> Self {
        match e {
            ModerationError::Forbidden => AdminError::Forbidden,
            ModerationError::NotFound => AdminError::NotFound,
            other => AdminError::Internal(other.to_string()),
        }
    }
}

/// Query of the queue.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    status: String,
    post: String,
    author: String,
    q: String,
    page: String,
    done: String,
    n: String,
}

impl QueueQuery {
    fn filter(&self) -> ModerationFilter {
        ModerationFilter {
            status: self.status().ok().flatten(),
            post: self.post.trim().parse().ok().map(PostId),
            post_author: None,
            author: Some(self.author.trim().to_string()).filter(|a| !a.is_empty()),
            search: Some(self.q.trim().to_string()).filter(|q| !q.is_empty()),
        }
    }

    /// The status tab: pending by default, `all` for every status.
    fn status(&self) -> Result<Option<CommentStatus>, ()> {
        match self.status.as_str() {
            "" => Ok(Some(CommentStatus::Pending)),
            "all" => Ok(None),
            other => other.parse().map(Some).map_err(|_| ()),
        }
    }

    /// This query's link with `status` and page 1, keeping the other filters.
    fn link(&self, status: &str, page: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("status", status);
        for (name, value) in [("post", &self.post), ("author", &self.author), ("q", &self.q)] {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("/admin/comments?{}", query.finish())
    }
}

fn row(item: &ModeratedComment, session: &StaffSession) -> Value {
    let c = &item.comment;
    let text: String = c.markdown.chars().take(240).collect();
    let excerpt = if c.markdown.chars().count() > 240 { format!("{}…", text.trim_end()) } else { text };
    json!({
        "id": c.id.0,
        "status": c.status,
        "author": c.author_name,
        "email": c.author_email,
        "url": c.author_url,
        "ip_hash": item.ip_hash.as_deref().map(|h| h.chars().take(12).collect::<String>()),
        "post_id": c.post_id.0,
        "post_title": item.post_title,
        "excerpt": excerpt,
        "date": c.created_at.date().to_string(),
        "time": format!("{:02}:{:02}", c.created_at.hour(), c.created_at.minute()),
        "datetime": c.created_at.unix_timestamp(),
        "held_reason": item.held_reason,
        "edited": item.edited_at.is_some(),
        "by_staff": c.user_id.is_some(),
        "is_reply": c.parent_id.is_some(),
        "actions": actions_for(c.status),
        "mine": item.post_author == session.user.id,
    })
}

/// The buttons a comment in `status` offers, as (action, label).
fn actions_for(status: CommentStatus) -> Vec<(&'static str, &'static str)> {
    match status {
        CommentStatus::Pending => vec![("approve", "Approve"), ("spam", "Spam"), ("trash", "Trash")],
        CommentStatus::Approved => vec![("unapprove", "Unapprove"), ("spam", "Spam"), ("trash", "Trash")],
        CommentStatus::Spam => vec![("not_spam", "Not spam"), ("delete", "Delete permanently")],
        CommentStatus::Trash => vec![("restore", "Restore"), ("delete", "Delete permanently")],
    }
}

fn notice(query: &QueueQuery) -> Option<String> {
    let action = ModerationAction::parse(&query.done)?;
    let n: u64 = query.n.parse().ok()?;
    let what = if n == 1 { "1 comment".to_string() } else { format!("{n} comments") };
    Some(match action {
        ModerationAction::Approve => format!("{what} approved."),
        ModerationAction::Unapprove => format!("{what} unapproved."),
        ModerationAction::Spam => format!("{what} marked as spam."),
        ModerationAction::NotSpam => format!("{what} taken out of the spam."),
        ModerationAction::Trash => format!("{what} moved to the trash."),
        ModerationAction::Restore => format!("{what} restored."),
        ModerationAction::Delete => format!("{what} deleted permanently."),
    })
}

/// `GET /admin/comments`: the queue.
pub async fn queue(
    State(state): State<WebState>,
    staff: Staff,
    Query(query): Query<QueueQuery>,
) -> Result<Response, AdminError> {
    staff.require_on(Action::ModerateComments, Ownership::Own)?;
    let number = query.page.trim().parse().unwrap_or(1);
    let status = query.status().map_err(|()| AdminError::NotFound)?;
    let queue = state.app.moderation_queue(&staff.0, query.filter(), Page::new(number, PER_PAGE)).await?;
    let current = status.map_or("all", CommentStatus::as_str);
    let counts = queue.counts;
    let tabs: Vec<Value> = [
        ("pending", "Pending", counts.pending),
        ("approved", "Approved", counts.approved),
        ("spam", "Spam", counts.spam),
        ("trash", "Trash", counts.trash),
        ("all", "All", counts.pending + counts.approved + counts.spam + counts.trash),
    ]
    .iter()
    .map(|(name, label, n)| json!({ "name": name, "label": label, "count": n, "url": query.link(name, 1), "current": *name == current }))
    .collect();
    let paged = &queue.comments;
    let pages = paged.total_pages();
    let page = json!({
        "title": "Comments",
        "tabs": tabs,
        "status": current,
        "comments": paged.items.iter().map(|c| row(c, &staff.0)).collect::<Vec<_>>(),
        "total": paged.total,
        "number": paged.number,
        "pages": pages,
        "prev": (paged.number > 1).then(|| query.link(current, paged.number - 1)),
        "next": (paged.number < pages).then(|| query.link(current, paged.number + 1)),
        "posts": queue.posts,
        "filter": { "post": query.post.trim(), "author": query.author.trim(), "q": query.q.trim() },
        "back": query.link(current, paged.number),
        "bulk_actions": bulk_actions(status),
        "notice": notice(&query),
    });
    Ok(render(&state, StatusCode::OK, "admin/comments.html", Some(&staff.0), page).await)
}

/// The bulk actions offered on a tab.
fn bulk_actions(status: Option<CommentStatus>) -> Vec<(&'static str, &'static str)> {
    match status {
        Some(status) => actions_for(status),
        None => vec![
            ("approve", "Approve"),
            ("unapprove", "Unapprove"),
            ("spam", "Spam"),
            ("not_spam", "Not spam"),
            ("trash", "Trash"),
            ("restore", "Restore"),
            ("delete", "Delete permanently"),
        ],
    }
}

/// `POST /admin/comments/moderate`: `action` on every `ids` (one comment's buttons, or the checked
/// rows), then back to the queue as it was.
pub async fn moderate(State(state): State<WebState>, staff: Staff, body: Bytes) -> Result<Response, AdminError> {
    staff.require_on(Action::ModerateComments, Ownership::Own)?;
    let mut ids = Vec::new();
    let mut action = None;
    let mut back = None;
    for (name, value) in url::form_urlencoded::parse(&body) {
        match name.as_ref() {
            "ids" => ids.extend(value.trim().parse::<i64>().ok().map(CommentId)),
            "action" => action = ModerationAction::parse(value.trim()),
            "back" => back = Some(value.into_owned()),
            _ => {}
        }
    }
    let back = safe_next(back.as_deref());
    let back = if back.starts_with("/admin/comments") { back } else { "/admin/comments".into() };
    let Some(action) = action else {
        return Ok(Redirect::to(&back).into_response());
    };
    let changed = state.app.moderate(&staff.0, &ids, action).await?;
    let back = strip_notice(&back);
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}done={}&n={changed}", action.as_str())).into_response())
}

/// `back` without an earlier action's notice.
fn strip_notice(back: &str) -> String {
    let Some((path, query)) = back.split_once('?') else { return back.to_string() };
    let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("done=") && !p.starts_with("n=")).collect();
    if kept.is_empty() { path.to_string() } else { format!("{path}?{}", kept.join("&")) }
}

async fn comment_page(
    state: &WebState,
    session: &StaffSession,
    id: CommentId,
    status: StatusCode,
    typed: Value,
) -> Result<Response, AdminError> {
    let item = state.app.moderated_comment(session, id).await?;
    let post = state.app.store().post(item.comment.post_id).await.map_err(|e| AdminError::Internal(e.to_string()))?;
    let settings = state.app.settings().await;
    let link = match post {
        Some(post) => Some(state.app.comment_path(&post, &item.comment).await?),
        None => None,
    };
    let mut page = json!({
        "title": format!("Comment by {}", item.comment.author_name),
        "comment": row(&item, session),
        "markdown": item.comment.markdown,
        "html": item.comment.html,
        "link": link,
        "reply": "",
        "edit_error": null,
        "notice": null,
        "reply_error": null,
        "max_chars": settings.comment_policy.max_body_chars,
        "back": format!("/admin/comments?status={}", item.comment.status),
    });
    if let (Some(page), Some(typed)) = (page.as_object_mut(), typed.as_object()) {
        for (k, v) in typed {
            page.insert(k.clone(), v.clone());
        }
    }
    Ok(render(state, status, "admin/comment.html", Some(session), page).await)
}

/// Query of a comment's page: what was just done.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    saved: Option<String>,
    replied: Option<String>,
}

/// `GET /admin/comments/{id}`: the comment with its edit and reply forms.
pub async fn show(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AdminError> {
    staff.require_on(Action::ModerateComments, Ownership::Own)?;
    let notice = match (query.saved, query.replied) {
        (Some(_), _) => Some("The comment was saved."),
        (_, Some(_)) => Some("Your reply is published."),
        _ => None,
    };
    comment_page(&state, &staff.0, CommentId(id), StatusCode::OK, json!({ "notice": notice })).await
}

/// The edit form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    markdown: String,
}

/// `POST /admin/comments/{id}/edit`: saves the text; a refusal shows the form again with it.
pub async fn edit(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<EditForm>,
) -> Result<Response, AdminError> {
    staff.require_on(Action::ModerateComments, Ownership::Own)?;
    match state.app.edit_comment_as_staff(&staff.0, CommentId(id), &form.markdown).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/comments/{id}?saved=1")).into_response()),
        Err(ModerationError::Invalid(message)) => {
            let typed = json!({ "markdown": form.markdown, "edit_error": message });
            comment_page(&state, &staff.0, CommentId(id), StatusCode::BAD_REQUEST, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The reply form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReplyForm {
    reply: String,
}

/// `POST /admin/comments/{id}/reply`: posts the staff member's reply under the comment.
pub async fn reply(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ReplyForm>,
) -> Result<Response, AdminError> {
    staff.require_on(Action::ModerateComments, Ownership::Own)?;
    match state.app.reply_as_staff(&staff.0, CommentId(id), &form.reply).await {
        Ok(new) => Ok(Redirect::to(&format!("/admin/comments/{}?replied=1", new.0)).into_response()),
        Err(ModerationError::Invalid(message)) => {
            let typed = json!({ "reply": form.reply, "reply_error": message });
            comment_page(&state, &staff.0, CommentId(id), StatusCode::BAD_REQUEST, typed).await
        }
        Err(e) => Err(e.into()),
    }
}
