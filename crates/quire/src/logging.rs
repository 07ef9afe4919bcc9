//! Logging: pretty on a terminal, JSON lines otherwise (or as configured); `RUST_LOG` filters.

use std::io::IsTerminal;

use quire_app::Config;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `quiet` (for one-shot commands) logs warnings only by default.
/// JSON lines carry the current span once, not the span list as well: the per-request line is on
/// the hot path.
pub fn init(config: &Config, quiet: bool) {
    let default = if quiet { "warn" } else { "info,sqlx=warn,tower_http=warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = match config.log_format.as_str() {
        "json" => true,
        "pretty" => false,
        _ => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json { builder.json().flatten_event(true).with_span_list(false).try_init() } else { builder.try_init() };
}
