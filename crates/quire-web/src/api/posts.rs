//! `/api/v1/posts` and `/api/v1/pages`: the editor's use cases over JSON. A body's fields are
//! checked one by one, so that a 422 problem names each field that needs fixing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quire_app::editing::{EditError, EditorInput, Intent, form_version};
use quire_core::{Discussion, Page, Post, PostId, PostKind, PostStatus, TermKind};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;

use super::{ApiStaff, Problem};
use crate::WebState;

/// Items per page unless the client asks otherwise.
const DEFAULT_PER_PAGE: u32 = 20;
/// Most items per page.
const MAX_PER_PAGE: u32 = 100;

/// `page`, `per_page` and `status` of a list.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    page: Option<String>,
    per_page: Option<String>,
    status: Option<String>,
}

/// The page asked for, or a 422 naming the bad parameter.
pub fn page_of(page: Option<&str>, per_page: Option<&str>) -> Result<Page, Problem> {
    let mut errors = Map::new();
    let number = match page.map(str::parse::<u32>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            errors.insert("page".into(), json!("Give a page number from 1."));
            1
        }
    };
    let per = match per_page.map(str::parse::<u32>) {
        None => DEFAULT_PER_PAGE,
        Some(Ok(n)) if (1..=MAX_PER_PAGE).contains(&n) => n,
        Some(_) => {
            errors.insert("per_page".into(), json!(format!("Give a number from 1 to {MAX_PER_PAGE}.")));
            DEFAULT_PER_PAGE
        }
    };
    if errors.is_empty() { Ok(Page::new(number, per)) } else { Err(Problem::invalid(errors)) }
}

impl From<EditError> for Problem {
    fn from(e: EditError) -> Problem {
        match e {
            EditError::Forbidden => Problem::forbidden(),
            EditError::NotFound => Problem::new(404, "Not found", "There is no such post."),
            EditError::SlugTaken(_) => Problem::field("slug", e.to_string()),
            EditError::Invalid(message) => Problem::new(422, "Invalid input", message),
            EditError::Stale(_) => Problem::new(409, "Edit conflict", e.to_string()),
            EditError::Internal(inner) => Problem::internal(inner),
        }
    }
}

/// A post as the API shows it.
async fn post_json(state: &WebState, post: &Post) -> Result<Value, Problem> {
    let terms = state.app.post_terms(post.id).await.map_err(Problem::internal)?;
    let names = |kind: TermKind| terms.iter().filter(|t| t.kind == kind).map(|t| t.name.clone()).collect::<Vec<_>>();
    let time = |t: Option<time::OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok());
    Ok(json!({
        "id": post.id.0,
        "kind": post.kind,
        "status": post.status,
        "title": post.title,
        "slug": post.slug,
        "url": state.app.post_url(post).await,
        "body": post.markdown,
        "html": post.html,
        "excerpt": post.excerpt,
        "content_warning": post.content_warning,
        "tags": names(TermKind::Tag),
        "categories": names(TermKind::Category),
        "featured_media": post.featured_media_id.map(|m| m.0),
        "comments_open": post.discussion == Discussion::Open,
        "author_id": post.author_id.0,
        "published_at": time(post.published_at),
        "created_at": time(Some(post.created_at)),
        "updated_at": time(Some(post.updated_at)),
        "version": form_version(post),
    }))
}

async fn list(state: WebState, staff: ApiStaff, kind: PostKind, query: ListQuery) -> Result<Response, Problem> {
    let page = page_of(query.page.as_deref(), query.per_page.as_deref())?;
    let status = match query.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(s.parse::<PostStatus>().map_err(|_| {
            Problem::field(
                "status",
                format!("“{s}” is not a status: draft, pending, scheduled, published, private or trash."),
            )
        })?),
    };
    let found = state.app.staff_posts_page(&staff.0.user, kind, status, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for post in &found.items {
        items.push(post_json(&state, post).await?);
    }
    Ok(Json(json!({ "items": items, "total": found.total, "page": found.number, "per_page": found.per_page }))
        .into_response())
}

async fn read(state: WebState, staff: ApiStaff, kind: PostKind, id: i64) -> Result<Response, Problem> {
    let post = state.app.post_for_editor(&staff.0.user, kind, PostId(id)).await?;
    Ok(Json(post_json(&state, &post).await?).into_response())
}

async fn save(
    state: WebState,
    staff: ApiStaff,
    kind: PostKind,
    id: Option<i64>,
    body: Bytes,
) -> Result<Response, Problem> {
    let fields = object_of(&body)?;
    let current = match id {
        Some(id) => Some(state.app.post_for_editor(&staff.0.user, kind, PostId(id)).await?),
        None => None,
    };
    let mut input = match &current {
        Some(post) => input_of(&state, post).await?,
        None => EditorInput { comments_open: kind == PostKind::Post, ..EditorInput::default() },
    };
    apply(&mut input, &fields, current.is_none())?;
    let saved = state.app.save_from_editor(&staff.0.user, kind, current.as_ref().map(|p| p.id), &input).await?;
    let post = state.app.post_for_editor(&staff.0.user, kind, saved.id).await?;
    let status = if current.is_none() { StatusCode::CREATED } else { StatusCode::OK };
    let json = post_json(&state, &post).await?;
    let mut response = (status, Json(json)).into_response();
    if current.is_none()
        && let Ok(location) = axum::http::HeaderValue::from_str(&format!("/api/v1/{}s/{}", kind.as_str(), saved.id.0))
    {
        response.headers_mut().insert(axum::http::header::LOCATION, location);
    }
    Ok(response)
}

async fn remove(state: WebState, staff: ApiStaff, kind: PostKind, id: i64) -> Result<Response, Problem> {
    state.app.trash_post(&staff.0.user, kind, PostId(id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The body as a JSON object, or a problem saying why not.
fn object_of(body: &[u8]) -> Result<Map<String, Value>, Problem> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::new(400, "Bad request", "The body must be a JSON object.")),
        Err(e) => Err(Problem::new(400, "Bad request", format!("The body is not valid JSON: {e}."))),
    }
}

/// What the editor would show for `post`, as the starting point of a partial update.
async fn input_of(state: &WebState, post: &Post) -> Result<EditorInput, Problem> {
    let terms = state.app.post_terms(post.id).await.map_err(Problem::internal)?;
    let names = |kind: TermKind| {
        terms.iter().filter(|t| t.kind == kind).map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
    };
    Ok(EditorInput {
        title: post.title.clone(),
        slug: post.slug.clone(),
        markdown: post.markdown.clone(),
        excerpt: post.excerpt.clone().unwrap_or_default(),
        tags: names(TermKind::Tag),
        categories: names(TermKind::Category),
        featured_media: post.featured_media_id.map(|m| m.0.to_string()).unwrap_or_default(),
        content_warning: post.content_warning.clone().unwrap_or_default(),
        comments_open: post.discussion == Discussion::Open,
        publish_at: String::new(),
        version: form_version(post),
        intent: Intent::Save,
    })
}

/// Fields a post body may have.
const FIELDS: &[&str] = &[
    "title",
    "slug",
    "body",
    "excerpt",
    "content_warning",
    "tags",
    "categories",
    "featured_media",
    "comments_open",
    "status",
    "publish_at",
    "version",
];

/// Writes the body's fields over `input`; every field that is wrong is named in one 422.
fn apply(input: &mut EditorInput, fields: &Map<String, Value>, creating: bool) -> Result<(), Problem> {
    let mut errors = Map::new();
    let mut bad = |name: &str, message: String| {
        errors.insert(name.to_string(), Value::String(message));
    };
    for name in fields.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        bad(name, format!("Unknown field; the fields are {}.", FIELDS.join(", ")));
    }
    let text = |name: &str, target: &mut String, bad: &mut dyn FnMut(&str, String)| match fields.get(name) {
        None => {}
        Some(Value::String(s)) => *target = s.clone(),
        Some(Value::Null) => target.clear(),
        Some(_) => bad(name, "Must be a string.".into()),
    };
    text("title", &mut input.title, &mut bad);
    text("slug", &mut input.slug, &mut bad);
    text("body", &mut input.markdown, &mut bad);
    text("excerpt", &mut input.excerpt, &mut bad);
    text("content_warning", &mut input.content_warning, &mut bad);
    text("version", &mut input.version, &mut bad);
    if creating && input.title.trim().is_empty() {
        bad("title", "A title is required.".into());
    } else if fields.contains_key("title") && input.title.trim().is_empty() {
        bad("title", "The title cannot be empty.".into());
    }
    for (name, target) in [("tags", &mut input.tags), ("categories", &mut input.categories)] {
        match fields.get(name) {
            None => {}
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                *target =
                    items.iter().filter_map(Value::as_str).map(|s| s.replace(',', " ")).collect::<Vec<_>>().join(", ");
            }
            Some(_) => bad(name, "Must be a list of names.".into()),
        }
    }
    match fields.get("featured_media") {
        None => {}
        Some(Value::Null) => input.featured_media.clear(),
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n > 0) => input.featured_media = n.to_string(),
        Some(_) => bad("featured_media", "Must be a media id (a positive number) or null.".into()),
    }
    match fields.get("comments_open") {
        None => {}
        Some(Value::Bool(open)) => input.comments_open = *open,
        Some(_) => bad("comments_open", "Must be true or false.".into()),
    }
    match fields.get("status").map(|v| v.as_str()) {
        None => {}
        Some(Some("draft")) => input.intent = Intent::Unpublish,
        Some(Some("pending")) => input.intent = Intent::Submit,
        Some(Some("published")) => input.intent = Intent::Publish,
        Some(Some("scheduled")) => input.intent = Intent::Schedule,
        Some(_) => bad("status", "Must be one of draft, pending, published, scheduled.".into()),
    }
    match fields.get("publish_at") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => match time::OffsetDateTime::parse(s, &Rfc3339) {
            Ok(at) => {
                let at = at.to_offset(time::UtcOffset::UTC);
                input.publish_at = format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    at.year(),
                    u8::from(at.month()),
                    at.day(),
                    at.hour(),
                    at.minute(),
                    at.second()
                );
            }
            Err(_) => bad("publish_at", format!("“{s}” is not an RFC 3339 date and time like 2030-01-31T09:30:00Z.")),
        },
        Some(_) => bad("publish_at", "Must be an RFC 3339 date and time.".into()),
    }
    if input.intent == Intent::Schedule && input.publish_at.is_empty() {
        bad("publish_at", "A scheduled post needs the time to publish at.".into());
    }
    if errors.is_empty() { Ok(()) } else { Err(Problem::invalid(errors)) }
}

/// `GET /api/v1/posts`.
pub async fn list_posts(
    State(s): State<WebState>,
    staff: ApiStaff,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    list(s, staff, PostKind::Post, q).await
}

/// `POST /api/v1/posts`.
pub async fn create_post(State(s): State<WebState>, staff: ApiStaff, body: Bytes) -> Result<Response, Problem> {
    save(s, staff, PostKind::Post, None, body).await
}

/// `GET /api/v1/posts/{id}`.
pub async fn get_post(State(s): State<WebState>, staff: ApiStaff, Path(id): Path<i64>) -> Result<Response, Problem> {
    read(s, staff, PostKind::Post, id).await
}

/// `PATCH /api/v1/posts/{id}`.
pub async fn update_post(
    State(s): State<WebState>,
    staff: ApiStaff,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, Problem> {
    save(s, staff, PostKind::Post, Some(id), body).await
}

/// `DELETE /api/v1/posts/{id}`.
pub async fn delete_post(State(s): State<WebState>, staff: ApiStaff, Path(id): Path<i64>) -> Result<Response, Problem> {
    remove(s, staff, PostKind::Post, id).await
}

/// `GET /api/v1/pages`.
pub async fn list_pages(
    State(s): State<WebState>,
    staff: ApiStaff,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    list(s, staff, PostKind::Page, q).await
}

/// `POST /api/v1/pages`.
pub async fn create_page(State(s): State<WebState>, staff: ApiStaff, body: Bytes) -> Result<Response, Problem> {
    save(s, staff, PostKind::Page, None, body).await
}

/// `GET /api/v1/pages/{id}`.
pub async fn get_page(State(s): State<WebState>, staff: ApiStaff, Path(id): Path<i64>) -> Result<Response, Problem> {
    read(s, staff, PostKind::Page, id).await
}

/// `PATCH /api/v1/pages/{id}`.
pub async fn update_page(
    State(s): State<WebState>,
    staff: ApiStaff,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, Problem> {
    save(s, staff, PostKind::Page, Some(id), body).await
}

/// `DELETE /api/v1/pages/{id}`.
pub async fn delete_page(State(s): State<WebState>, staff: ApiStaff, Path(id): Path<i64>) -> Result<Response, Problem> {
    remove(s, staff, PostKind::Page, id).await
}
