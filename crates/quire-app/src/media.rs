//! The media store on the local disk: files under `<data-dir>/media/`, addressed by storage keys
//! that can never climb out of that directory. (Object storage comes behind the same calls.)

use std::path::{Path, PathBuf};

use crate::{App, Error};

/// Whether `key` is a safe storage key: relative, no `..`, only plain file-name characters.
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 255
        && !key.starts_with('/')
        && key.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn path_of(dir: &Path, key: &str) -> Result<PathBuf, Error> {
    if is_valid_key(key) { Ok(dir.join(key)) } else { Err(Error::NotFound) }
}

/// A media file ready to send.
pub struct MediaFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type, as recorded at upload.
    pub mime: String,
}

impl App {
    /// Stores the bytes of a media file under `key`.
    pub async fn put_media_file(&self, key: &str, bytes: &[u8]) -> Result<(), Error> {
        let path =
            path_of(&self.config().media_dir(), key).map_err(|_| Error::Invalid(format!("bad media key {key:?}")))?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::write(&path, bytes).await?;
        Ok(())
    }

    /// A media file of the library, by storage key; unknown keys are not found, whatever is on disk.
    pub async fn media_file(&self, key: &str) -> Result<MediaFile, Error> {
        let path = path_of(&self.config().media_dir(), key)?;
        let media = self.store().media_by_key(key).await?.ok_or(Error::NotFound)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(MediaFile { bytes, mime: media.mime }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::NotFound),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_cannot_escape_the_media_directory() {
        assert!(is_valid_key("demo/question-mark.gif"));
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a b", "a\\b", "%2e%2e/x"] {
            assert!(!is_valid_key(bad), "{bad:?}");
        }
    }
}
