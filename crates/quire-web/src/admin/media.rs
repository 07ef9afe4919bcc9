//! The media library under `/admin/media`: the grid with each item's words, uploads (a multipart
//! form, also sent by the drag-and-drop script with `Accept: application/json`), the edit page of
//! an item, and its "insert" snippet, given only once the item has alt text. Every handler needs
//! `Action::UploadMedia`. The upload route has its own, explicit body limit (see [`body_limit`]).

use axum::Form;
use axum::extract::multipart::{Field, Multipart};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use quire_app::accounts::StaffSession;
use quire_app::media::{Upload, details, insert_markdown};
use quire_core::{Action, Media, MediaId, Page};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminError, Staff, render};
use crate::WebState;

/// Where the library lives; uploads are POSTed here.
pub const LIBRARY_PATH: &str = "/admin/media";
/// Items per page of the grid.
const PER_PAGE: u32 = 48;
/// Room for the form's other fields and the multipart framing around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The largest request body the upload route takes: the configured file limit and the form
/// around it. Bodies above it are refused before they are read.
pub fn body_limit(config: &quire_app::Config) -> usize {
    usize::try_from(config.media.limits().max_bytes.saturating_add(FORM_OVERHEAD)).unwrap_or(usize::MAX)
}

/// Whether the client (the drag-and-drop script) wants JSON answers.
fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"))
}

/// An item as the templates and the script see it.
fn item_json(media: &Media) -> Value {
    let thumb = media.variants.iter().filter(|v| v.mime == "image/webp").min_by_key(|v| v.width);
    json!({
        "id": media.id.0,
        "url": media.path(),
        "thumb": thumb.map_or_else(|| media.path(), |v| v.path()),
        "edit_url": format!("{LIBRARY_PATH}/{}", media.id),
        "mime": media.mime,
        "bytes": media.bytes,
        "width": media.width,
        "height": media.height,
        "alt": media.alt,
        "caption": media.caption,
        "credit": media.credit,
        "licence": media.licence,
        "animated": media.mime == "image/gif",
        "variants": media.variants.iter().map(|v| json!({
            "url": v.path(), "width": v.width, "height": v.height, "mime": v.mime, "bytes": v.bytes,
        })).collect::<Vec<_>>(),
        "insert": insert_markdown(media).ok(),
    })
}

/// The words typed into a form, given back when it is refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    alt: String,
    caption: String,
    credit: String,
    licence: String,
}

impl DetailsForm {
    fn of(media: &Media) -> DetailsForm {
        DetailsForm {
            alt: media.alt.clone(),
            caption: media.caption.clone().unwrap_or_default(),
            credit: media.credit.clone().unwrap_or_default(),
            licence: media.licence.clone().unwrap_or_default(),
        }
    }

    fn json(&self) -> Value {
        json!({ "alt": self.alt, "caption": self.caption, "credit": self.credit, "licence": self.licence })
    }

    fn checked(&self) -> Result<quire_store::MediaDetails, quire_app::Error> {
        let some = |s: &String| Some(s.clone());
        details(self.alt.clone(), some(&self.caption), some(&self.credit), some(&self.licence))
    }
}

/// Query of the library page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LibraryQuery {
    page: Option<u32>,
}

async fn library_page(
    state: &WebState,
    session: &StaffSession,
    number: u32,
    status: StatusCode,
    message: Option<String>,
    typed: &DetailsForm,
) -> Result<Response, AdminError> {
    let listed = state.app.media_library(Page::new(number, PER_PAGE)).await?;
    let page = json!({
        "title": "Media",
        "items": listed.items.iter().map(item_json).collect::<Vec<_>>(),
        "total": listed.total,
        "number": listed.number,
        "pages": listed.total_pages(),
        "upload_action": format!("{LIBRARY_PATH}?csrf_token={}", session.csrf_token),
        "max_upload_mb": state.app.config().media.max_upload_mb,
        "max_upload_bytes": state.app.config().media.limits().max_bytes,
        "form": typed.json(),
        "message": message,
    });
    Ok(render(state, status, "admin/media.html", Some(session), page).await)
}

/// `GET /admin/media`: the library, newest first.
pub async fn library(
    State(state): State<WebState>,
    staff: Staff,
    Query(query): Query<LibraryQuery>,
) -> Result<Response, AdminError> {
    staff.require(Action::UploadMedia)?;
    library_page(&state, &staff.0, query.page.unwrap_or(1), StatusCode::OK, None, &DetailsForm::default()).await
}

/// Reads a file field up to `limit` bytes; `None` when it is larger.
async fn read_file(field: &mut Field<'_>, limit: u64) -> Result<Option<Vec<u8>>, String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| e.body_text())? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// What a multipart upload form held, and why it cannot be used, if it cannot.
struct UploadForm {
    file: Option<Vec<u8>>,
    typed: DetailsForm,
    refusal: Option<(StatusCode, String)>,
}

/// Reads the form: the file and the words. The words are kept whatever happens to the file, so
/// that a refusal can give them back.
async fn read_upload(multipart: &mut Multipart, max_bytes: u64) -> UploadForm {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The file is too large: the limit is {} MB.", max_bytes / (1024 * 1024)),
        )
    };
    let broken = |e: String| (StatusCode::BAD_REQUEST, format!("The upload did not arrive whole ({e}). Try again."));
    let mut form = UploadForm { file: None, typed: DetailsForm::default(), refusal: None };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                form.refusal.get_or_insert_with(too_large);
                break;
            }
            Err(e) => {
                form.refusal.get_or_insert_with(|| broken(e.body_text()));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            match read_file(&mut field, max_bytes).await {
                Ok(Some(bytes)) if !bytes.is_empty() => form.file = Some(bytes),
                Ok(Some(_)) => {}
                // The rest of this field is skipped by the next `next_field`.
                Ok(None) => form.refusal = Some(too_large()),
                Err(e) => {
                    form.refusal.get_or_insert_with(|| broken(e));
                    break;
                }
            }
            continue;
        }
        let text = match field.text().await {
            Ok(text) => text,
            Err(e) => {
                form.refusal.get_or_insert_with(|| broken(e.body_text()));
                break;
            }
        };
        match name.as_str() {
            "alt" => form.typed.alt = text,
            "caption" => form.typed.caption = text,
            "credit" => form.typed.credit = text,
            "licence" => form.typed.licence = text,
            _ => {}
        }
    }
    form
}

/// `POST /admin/media` (multipart: `file`, `alt`, `caption`, `credit`, `licence`): checks and
/// stores an upload, then shows its edit page (or answers 201 with the item as JSON). Refusals
/// (too large, not an image, cut short, a bomb, SVG) show the library again with the reason and
/// the words typed.
pub async fn upload(
    State(state): State<WebState>,
    staff: Staff,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AdminError> {
    staff.require(Action::UploadMedia)?;
    let json = wants_json(&headers);
    let max_bytes = state.app.config().media.limits().max_bytes;
    let refuse = async |status: StatusCode, message: String, typed: &DetailsForm| {
        if json {
            Ok(problem(status, &message))
        } else {
            library_page(&state, &staff.0, 1, status, Some(message), typed).await
        }
    };
    let form = read_upload(&mut multipart, max_bytes).await;
    if let Some((status, message)) = form.refusal {
        return refuse(status, message, &form.typed).await;
    }
    let Some(bytes) = form.file else {
        return refuse(StatusCode::BAD_REQUEST, "Choose an image to upload.".into(), &form.typed).await;
    };
    let checked = match form.typed.checked() {
        Ok(checked) => checked,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e.to_string(), &form.typed).await,
    };
    let upload =
        Upload { bytes, alt: checked.alt, caption: checked.caption, credit: checked.credit, licence: checked.licence };
    let id = match state.app.upload_media(staff.0.user.id, upload).await {
        Ok(id) => id,
        Err(quire_app::Error::Invalid(message)) => {
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, message, &form.typed).await;
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        let media = state.app.media_item(id).await?;
        return Ok((
            StatusCode::CREATED,
            [(header::LOCATION, format!("{LIBRARY_PATH}/{id}"))],
            axum::Json(item_json(&media)),
        )
            .into_response());
    }
    Ok(Redirect::to(&format!("{LIBRARY_PATH}/{id}?uploaded=1")).into_response())
}

/// An RFC 9457 problem for the script.
fn problem(status: StatusCode, detail: &str) -> Response {
    let body = json!({ "type": "about:blank", "title": "Upload refused", "status": status.as_u16(), "detail": detail });
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

/// Query of the edit page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ItemQuery {
    uploaded: Option<String>,
    saved: Option<String>,
}

async fn item_or_404(state: &WebState, id: i64) -> Result<Media, AdminError> {
    match state.app.media_item(MediaId(id)).await {
        Ok(media) => Ok(media),
        Err(quire_app::Error::NotFound) => Err(AdminError::NotFound),
        Err(e) => Err(e.into()),
    }
}

async fn item_page(
    state: &WebState,
    session: &StaffSession,
    media: &Media,
    status: StatusCode,
    notice: Option<&str>,
    message: Option<String>,
    typed: &DetailsForm,
) -> Response {
    let page = json!({
        "title": "Edit media",
        "item": item_json(media),
        "form": typed.json(),
        "notice": notice,
        "message": message,
    });
    render(state, status, "admin/media_item.html", Some(session), page).await
}

/// `GET /admin/media/{id}`: an item with its words to edit and, once it has alt text, the
/// Markdown that inserts it.
pub async fn item(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(query): Query<ItemQuery>,
) -> Result<Response, AdminError> {
    staff.require(Action::UploadMedia)?;
    let media = item_or_404(&state, id).await?;
    let notice = match (&query.uploaded, &query.saved) {
        (Some(_), _) if media.alt.trim().is_empty() => {
            Some("Uploaded. Add alt text (what the image shows) before inserting it in a post.")
        }
        (Some(_), _) => Some("Uploaded."),
        (_, Some(_)) => Some("Saved. Posts showing this image were updated."),
        _ => None,
    };
    Ok(item_page(&state, &staff.0, &media, StatusCode::OK, notice, None, &DetailsForm::of(&media)).await)
}

/// `POST /admin/media/{id}`: saves the item's alt text, caption, credit and licence.
pub async fn update(
    State(state): State<WebState>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, AdminError> {
    staff.require(Action::UploadMedia)?;
    let media = item_or_404(&state, id).await?;
    let checked = match form.checked() {
        Ok(checked) => checked,
        Err(e) => {
            let message = Some(e.to_string());
            return Ok(item_page(&state, &staff.0, &media, StatusCode::BAD_REQUEST, None, message, &form).await);
        }
    };
    state.app.update_media_details(media.id, checked).await?;
    Ok(Redirect::to(&format!("{LIBRARY_PATH}/{id}?saved=1")).into_response())
}

/// `GET /admin/media/{id}/insert`: `{"markdown": "![](media:ID)"}` for the editor, or a 422
/// problem while the item has no alt text.
pub async fn insert(State(state): State<WebState>, staff: Staff, Path(id): Path<i64>) -> Result<Response, AdminError> {
    staff.require(Action::UploadMedia)?;
    let media = item_or_404(&state, id).await?;
    match insert_markdown(&media) {
        Ok(markdown) => Ok(axum::Json(json!({ "id": media.id.0, "markdown": markdown })).into_response()),
        Err(e) => {
            let body = json!({
                "type": "about:blank", "title": "Alt text required", "status": 422, "detail": e.to_string(),
            });
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                [(header::CONTENT_TYPE, "application/problem+json")],
                body.to_string(),
            )
                .into_response())
        }
    }
}
