//! What the JSON API needs beside the editor's use cases: staff lists with a page size the client
//! chooses (same visibility rule as the admin lists), a post's terms, and a post's address.

use quire_core::{Action, Page, Paged, Post, PostId, PostKind, PostStatus, Term, User};
use quire_store::StaffPostFilter;

use crate::editing::EditError;
use crate::{App, Error};

impl App {
    /// One page of posts or pages the writer may see: one status (or all but trash), only their
    /// own when their role may not edit others' posts.
    pub async fn staff_posts_page(
        &self,
        user: &User,
        kind: PostKind,
        status: Option<PostStatus>,
        page: Page,
    ) -> Result<Paged<Post>, EditError> {
        let author = (!user.role.may(Action::EditPosts)).then_some(user.id);
        let filter = StaffPostFilter { kind, status, author };
        Ok(self.store().staff_posts(&filter, page).await?)
    }

    /// The categories and tags of a post.
    pub async fn post_terms(&self, id: PostId) -> Result<Vec<Term>, Error> {
        Ok(self.store().terms_of(&[id]).await?.into_iter().map(|(_, term)| term).collect())
    }

    /// The absolute address of a post or page (where it is, or will be, public).
    pub async fn post_url(&self, post: &Post) -> String {
        let settings = self.settings().await;
        format!("{}{}", self.config().site_url().trim_end_matches('/'), self.post_path(post, &settings))
    }
}
