//! The theme: minijinja templates and static files, embedded in the binary and overridable file
//! by file from `<data-dir>/themes/<name>/{templates,static}/`. Read once at start-up.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior};
use rust_embed::Embed;
use serde::Serialize;

#[derive(Embed)]
#[folder = "../../themes/default/templates/"]
struct DefaultTemplates;

#[derive(Embed)]
#[folder = "../../themes/default/static/"]
struct DefaultStatic;

/// A static file ready to serve.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// The bytes.
    pub bytes: bytes::Bytes,
    /// Content type.
    pub mime: String,
}

/// Templates and static files of the active theme.
pub struct Theme {
    env: Environment<'static>,
    statics: HashMap<String, StaticFile>,
    /// Short hash of all static files, appended to their URLs so browsers may cache them forever.
    pub static_version: String,
}

/// Why a page could not be rendered (a broken theme override, usually).
#[derive(Debug, thiserror::Error)]
#[error("template {name}: {source:#}")]
pub struct RenderError {
    name: String,
    #[source]
    source: minijinja::Error,
}

impl Theme {
    /// Loads the default theme with the overrides found in `override_dir` (which may not exist).
    pub fn load(override_dir: &Path) -> Result<Arc<Theme>, String> {
        let mut statics = HashMap::new();
        for name in DefaultStatic::iter() {
            if let Some(file) = DefaultStatic::get(&name) {
                statics.insert(name.to_string(), static_file(&name, file.data.into_owned()));
            }
        }
        let static_dir = override_dir.join("static");
        for (name, path) in files_under(&static_dir) {
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            statics.insert(name.clone(), static_file(&name, bytes));
        }
        let mut names: Vec<&String> = statics.keys().collect();
        names.sort();
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for name in names {
            for b in name.bytes().chain(statics.get(name).map(|f| f.bytes.to_vec()).unwrap_or_default()) {
                hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
        let static_version = format!("{:08x}", hash as u32);

        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let template_dir = override_dir.join("templates");
        env.set_loader(move |name| load_template(&template_dir, name));
        let version = static_version.clone();
        env.add_function("static_url", move |name: String| format!("/static/{name}?v={version}"));
        Ok(Arc::new(Theme { env, statics, static_version }))
    }

    /// Renders template `name` with `context`.
    pub fn render<S: Serialize>(&self, name: &str, context: S) -> Result<String, RenderError> {
        let wrap = |source| RenderError { name: name.to_string(), source };
        self.env
            .get_template(name)
            .map_err(wrap)?
            .render(minijinja::Value::from(minijinja::value::Serde(context)))
            .map_err(wrap)
    }

    /// A static file by its path under `static/`.
    pub fn static_file(&self, name: &str) -> Option<&StaticFile> {
        self.statics.get(name)
    }
}

fn static_file(name: &str, bytes: Vec<u8>) -> StaticFile {
    let mime = mime_guess::from_path(name).first_or_octet_stream().essence_str().to_string();
    let mime = if mime.starts_with("text/") || mime == "application/javascript" || mime == "image/svg+xml" {
        format!("{mime}; charset=utf-8")
    } else {
        mime
    };
    StaticFile { bytes: bytes.into(), mime }
}

fn load_template(dir: &Path, name: &str) -> Result<Option<String>, minijinja::Error> {
    let invalid = name.split('/').any(|p| p.is_empty() || p == "..") || name.contains('\\');
    if invalid {
        return Ok(None);
    }
    let path = dir.join(name);
    if path.is_file() {
        return std::fs::read_to_string(&path).map(Some).map_err(|e| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                format!("cannot read {}: {e}", path.display()),
            )
        });
    }
    Ok(DefaultTemplates::get(name).and_then(|f| String::from_utf8(f.data.into_owned()).ok()))
}

/// Files below `dir`, as (relative name with `/`, path).
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
                out.push((name, path));
            }
        }
    }
    out
}

/// Every template name of the default theme (for tests that render them all).
pub fn default_template_names() -> Vec<String> {
    DefaultTemplates::iter().map(|n| n.to_string()).collect()
}
