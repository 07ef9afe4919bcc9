//! Which themes a site can use: the embedded `default`, and every directory under
//! `<data-dir>/themes/` (each overriding the default file by file). The `theme` setting picks one;
//! the server reads it when it starts (a theme is compiled once, at start-up).

use std::path::PathBuf;

use crate::App;

impl App {
    /// The themes to choose from: `default` first, then the directories under `<data-dir>/themes/`
    /// with a plain name, in name order.
    pub fn available_themes(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.config().data_dir.join("themes"))
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.path().is_dir())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n != "default" && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names.insert(0, "default".into());
        names
    }

    /// The directory of the theme to serve: the `theme` setting when an administrator chose one
    /// that exists, else the configuration's.
    pub async fn theme_dir(&self) -> PathBuf {
        let chosen = self.settings().await.theme.clone();
        if chosen != "default" && self.available_themes().contains(&chosen) {
            return self.config().data_dir.join("themes").join(chosen);
        }
        self.config().theme_dir()
    }
}
