//! `/admin/settings` (administrators only): the site, the comment policy, mail and the theme on one
//! form. Every value is checked as `quire settings set` checks it; a refusal shows the form again
//! with a message at each field and every value as typed, and saves nothing. The SMTP password is
//! never sent back to the browser: an empty password field keeps the stored one.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use quire_app::site_mail::SmtpForm;
use quire_core::Action;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AdminError, Staff, render};
use crate::WebState;

/// How a field is typed and turned into a setting's JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One line of text.
    Text,
    /// A whole number.
    Number,
    /// A whole number, or empty for none.
    OptionalNumber,
    /// A decimal number.
    Decimal,
    /// On or off.
    Check,
    /// One entry per line.
    Lines,
    /// A secret: never shown; empty keeps the stored one.
    Secret,
}

/// One field of the form: its setting path (also the form field's name), label and hint.
struct Field {
    path: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: Kind,
}

const fn field(path: &'static str, label: &'static str, hint: &'static str, kind: Kind) -> Field {
    Field { path, label, hint, kind }
}

/// The form's sections and their fields, in page order.
const SECTIONS: &[(&str, &[Field])] = &[
    (
        "Site",
        &[
            field("title", "Site title", "", Kind::Text),
            field("tagline", "Tagline", "One line under the title.", Kind::Text),
            field("language", "Language", "A language tag such as en or fr-CA.", Kind::Text),
            field(
                "timezone",
                "Time zone",
                "UTC, a name such as Europe/London, or an offset such as +02:00.",
                Kind::Text,
            ),
            field(
                "permalink",
                "Permalink pattern",
                "WordPress notation, e.g. /%year%/%monthnum%/%day%/%postname%/",
                Kind::Text,
            ),
            field("posts_per_page", "Posts per page", "1 to 200.", Kind::Number),
            field("feed_items", "Items in feeds", "1 to 200.", Kind::Number),
        ],
    ),
    (
        "Comments",
        &[
            field("comment_policy.require_email", "Commenters must give an email address", "", Kind::Check),
            field(
                "comment_policy.hold_first_comment",
                "Hold a commenter’s comments until one has been approved",
                "",
                Kind::Check,
            ),
            field(
                "comment_policy.trust_typed_email",
                "Count an approved comment under a typed email as approved before",
                "Anyone can type anyone’s address.",
                Kind::Check,
            ),
            field(
                "comment_policy.hold_links_at",
                "Hold a comment with this many links",
                "0 turns the rule off.",
                Kind::Number,
            ),
            field("comment_policy.max_body_chars", "Longest comment (characters)", "", Kind::Number),
            field("comment_policy.max_name_chars", "Longest name (characters)", "", Kind::Number),
            field("comment_policy.max_url_chars", "Longest website address (characters)", "", Kind::Number),
            field(
                "comment_policy.close_after_days",
                "Close comments on posts older than (days)",
                "Empty keeps them open for ever.",
                Kind::OptionalNumber,
            ),
            field("comment_policy.max_depth", "Deepest reply nesting", "", Kind::Number),
            field(
                "comment_threads_per_page",
                "Top-level threads per page",
                "0 shows every thread on one page.",
                Kind::Number,
            ),
            field("comment_policy.min_fill_seconds", "Shortest time to fill in the form (seconds)", "", Kind::Number),
            field("comment_policy.max_form_age_seconds", "Oldest form accepted (seconds)", "", Kind::Number),
            field(
                "comment_policy.edit_window_minutes",
                "Commenters may edit their comment for (minutes)",
                "",
                Kind::Number,
            ),
            field(
                "comment_policy.proof_of_work_bits",
                "“Under attack” proof of work (bits)",
                "0 turns the mode off; 16 takes a phone well under a second.",
                Kind::Number,
            ),
            field(
                "gravatar",
                "Show Gravatar images",
                "Sends a hash of each commenter’s email to gravatar.com.",
                Kind::Check,
            ),
        ],
    ),
    (
        "Blocklists",
        &[
            field(
                "comment_policy.blocklist_hold.words",
                "Hold comments containing these words",
                "One per line.",
                Kind::Lines,
            ),
            field(
                "comment_policy.blocklist_hold.emails",
                "Hold comments from these addresses",
                "One per line; @example.org for a whole domain.",
                Kind::Lines,
            ),
            field(
                "comment_policy.blocklist_hold.networks",
                "Hold comments from these networks",
                "One address or CIDR network per line.",
                Kind::Lines,
            ),
            field(
                "comment_policy.blocklist_reject.words",
                "Refuse comments containing these words",
                "One per line.",
                Kind::Lines,
            ),
            field(
                "comment_policy.blocklist_reject.emails",
                "Refuse comments from these addresses",
                "One per line.",
                Kind::Lines,
            ),
            field(
                "comment_policy.blocklist_reject.networks",
                "Refuse comments from these networks",
                "One per line.",
                Kind::Lines,
            ),
        ],
    ),
    (
        "Limits",
        &[
            field("comment_rate.per_ip", "Comments in a burst per address", "", Kind::Decimal),
            field("comment_rate.per_subnet", "Comments in a burst per network", "", Kind::Decimal),
            field("comment_rate.seconds", "Seconds for the comment limits to refill", "", Kind::Decimal),
            field("sign_in_rate.per_account", "Failed sign-ins allowed per account", "", Kind::Decimal),
            field("sign_in_rate.per_ip", "Failed sign-ins allowed per address", "", Kind::Decimal),
            field("sign_in_rate.seconds", "Seconds for the sign-in limits to refill", "", Kind::Decimal),
        ],
    ),
    (
        "Spam checker",
        &[
            field(
                "spam_checker.enabled",
                "Ask an Akismet-compatible service about comments",
                "Sends each comment, its writer’s address and user agent to that service.",
                Kind::Check,
            ),
            field("spam_checker.endpoint", "Service address", "", Kind::Text),
            field("spam_checker.api_key", "API key", "Never shown; leave empty to keep the stored key.", Kind::Secret),
        ],
    ),
];

/// The value at a dotted path of the settings as JSON.
fn at<'a>(all: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(all, |v, part| v.get(part))
}

/// What a stored value looks like in its field.
fn shown(value: Option<&Value>, kind: Kind) -> Value {
    match (kind, value) {
        (Kind::Secret, _) => json!(""),
        (Kind::Check, v) => json!(v.and_then(Value::as_bool).unwrap_or(false)),
        (Kind::Lines, Some(Value::Array(items))) => {
            json!(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        (_, Some(Value::String(s))) => json!(s),
        (_, Some(Value::Null) | None) => json!(""),
        (_, Some(other)) => json!(other.to_string()),
    }
}

/// The typed text of a field as the setting's JSON value, or what is wrong with it. `None`:
/// leave the setting as it is (an empty secret).
fn parsed(typed: Option<&String>, kind: Kind) -> Result<Option<Value>, String> {
    let text = typed.map(|t| t.trim()).unwrap_or_default();
    Ok(Some(match kind {
        Kind::Text => json!(text),
        Kind::Secret if text.is_empty() => return Ok(None),
        Kind::Secret => json!(text),
        Kind::Check => json!(typed.is_some()),
        Kind::Number => json!(text.parse::<u64>().map_err(|_| "Enter a whole number, such as 5.".to_string())?),
        Kind::OptionalNumber if text.is_empty() => Value::Null,
        Kind::OptionalNumber => {
            json!(text.parse::<u64>().map_err(|_| "Enter a whole number of days, or leave it empty.".to_string())?)
        }
        Kind::Decimal => {
            let n = text.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0);
            json!(n.ok_or_else(|| "Enter a number, such as 5 or 2.5.".to_string())?)
        }
        Kind::Lines => json!(text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>()),
    }))
}

/// The page: every field with its value (stored, or as typed) and its error.
async fn page_of(
    state: &WebState,
    typed: Option<&HashMap<String, String>>,
    errors: &HashMap<String, String>,
    notice: Option<&str>,
) -> Result<Value, AdminError> {
    let settings = state.app.settings().await;
    let all = serde_json::to_value(&*settings).map_err(|e| AdminError::Internal(e.to_string()))?;
    let sections: Vec<Value> = SECTIONS
        .iter()
        .map(|(title, fields)| {
            let fields: Vec<Value> = fields
                .iter()
                .map(|f| {
                    let value = match typed {
                        Some(form) if f.kind == Kind::Check => json!(form.contains_key(f.path)),
                        Some(_) if f.kind == Kind::Secret => json!(""),
                        Some(form) => json!(form.get(f.path).cloned().unwrap_or_default()),
                        None => shown(at(&all, f.path), f.kind),
                    };
                    json!({
                        "name": f.path,
                        "id": f.path.replace('.', "-"),
                        "label": f.label,
                        "hint": f.hint,
                        "kind": format!("{:?}", f.kind).to_lowercase(),
                        "value": value,
                        "error": errors.get(f.path),
                        "set": f.kind == Kind::Secret && at(&all, f.path).and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
                    })
                })
                .collect();
            json!({ "title": title, "fields": fields })
        })
        .collect();
    let mut smtp =
        serde_json::to_value(state.app.smtp_view().await?).map_err(|e| AdminError::Internal(e.to_string()))?;
    if let (Some(form), Some(map)) = (typed, smtp.as_object_mut()) {
        for name in ["host", "port", "security", "username", "from"] {
            map.insert(name.into(), json!(form.get(&format!("smtp_{name}")).cloned().unwrap_or_default()));
        }
    }
    let theme = match typed {
        Some(form) => form.get("theme").cloned().unwrap_or_default(),
        None => settings.theme.clone(),
    };
    Ok(json!({
        "title": "Settings",
        "sections": sections,
        "smtp": smtp,
        "themes": state.app.available_themes(),
        "theme": theme,
        "errors": errors,
        "has_errors": !errors.is_empty(),
        "notice": notice,
    }))
}

/// Query of the settings page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsQuery {
    saved: Option<String>,
}

/// `GET /admin/settings`.
pub async fn page(
    State(state): State<WebState>,
    staff: Staff,
    Query(query): Query<SettingsQuery>,
) -> Result<Response, AdminError> {
    staff.require(Action::ManageSettings)?;
    let notice = query.saved.map(|_| "The settings were saved.");
    let page = page_of(&state, None, &HashMap::new(), notice).await?;
    Ok(render(&state, StatusCode::OK, "admin/settings.html", Some(&staff.0), page).await)
}

/// `POST /admin/settings`: checks everything; saves all of it, or nothing.
pub async fn save(State(state): State<WebState>, staff: Staff, body: Bytes) -> Result<Response, AdminError> {
    staff.require(Action::ManageSettings)?;
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let mut errors: HashMap<String, String> = HashMap::new();
    let mut changes = Vec::new();
    for field in SECTIONS.iter().flat_map(|(_, fields)| fields.iter()) {
        match parsed(form.get(field.path), field.kind) {
            Ok(Some(value)) => changes.push((field.path.to_string(), value)),
            Ok(None) => {}
            Err(message) => {
                errors.insert(field.path.to_string(), message);
            }
        }
    }
    if let Some(theme) = form.get("theme") {
        if state.app.available_themes().contains(theme) {
            changes.push(("theme".into(), json!(theme)));
        } else {
            errors.insert("theme".into(), "Choose one of the themes offered.".into());
        }
    }
    let checked = match state.app.check_settings(&changes).await {
        Ok(checked) => Some(checked),
        Err(problems) => {
            for (path, message) in problems {
                errors.entry(path).or_insert(message);
            }
            None
        }
    };
    let smtp = SmtpForm {
        host: form.get("smtp_host").cloned().unwrap_or_default(),
        port: form.get("smtp_port").cloned().unwrap_or_default(),
        security: form.get("smtp_security").cloned().unwrap_or_default(),
        username: form.get("smtp_username").cloned().unwrap_or_default(),
        password: form.get("smtp_password").cloned().unwrap_or_default(),
        from: form.get("smtp_from").cloned().unwrap_or_default(),
    };
    let smtp = match state.app.check_smtp(&smtp).await {
        Ok(config) => Some(config),
        Err(problems) => {
            errors.extend(problems);
            None
        }
    };
    match (checked, smtp) {
        (Some(checked), Some(smtp)) if errors.is_empty() => {
            state.app.store_settings(checked).await?;
            state.app.store_smtp(smtp).await?;
            tracing::info!(user_id = %staff.0.user.id, "settings saved in the admin");
            Ok(Redirect::to("/admin/settings?saved=1").into_response())
        }
        _ => {
            let page = page_of(&state, Some(&form), &errors, None).await?;
            Ok(render(&state, StatusCode::BAD_REQUEST, "admin/settings.html", Some(&staff.0), page).await)
        }
    }
}
