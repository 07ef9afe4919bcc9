//! Private preview links for posts not public yet: `/preview/{id}?token=…`, where the token is a
//! keyed hash of the post id under a key of its own, so it cannot be guessed or derived from any
//! other token the site hands out. Anyone with the link sees the post rendered by the theme.

use quire_core::{PostId, PostStatus};

use crate::comments::signing::{Signer, random_key};
use crate::{App, Error, PostPage};

impl App {
    async fn preview_signer(&self) -> Result<Signer, Error> {
        Ok(Signer::new(self.store().site_key("post-preview", &random_key()).await?))
    }

    /// The preview token of a post.
    pub async fn preview_token(&self, id: PostId) -> Result<String, Error> {
        Ok(self.preview_signer().await?.hash(&format!("post-preview:{id}")))
    }

    /// The private preview path of a post, token included.
    pub async fn preview_path(&self, id: PostId) -> Result<String, Error> {
        Ok(format!("/preview/{id}?token={}", self.preview_token(id).await?))
    }

    /// The page a preview link shows: the post as its own page would render, without the comment
    /// form. Not found for a wrong token, a missing post, or one in the trash.
    pub async fn preview_page(&self, id: PostId, token: &str) -> Result<PostPage, Error> {
        let expected = self.preview_token(id).await?;
        if !same(expected.as_bytes(), token.as_bytes()) {
            return Err(Error::NotFound);
        }
        let post = self.store().post(id).await?.filter(|p| p.status != PostStatus::Trash).ok_or(Error::NotFound)?;
        let mut page = self.post_page(post, 1).await?;
        page.form = None;
        Ok(page)
    }
}

/// Compares in time that does not depend on where the inputs differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_match_only_when_equal() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }
}
