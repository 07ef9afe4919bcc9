//! What each staff role may do: one pure table, [`Role::can`], consulted by every use case and
//! handler on the server. Hiding a button is a courtesy; this table is the rule.

use crate::post::string_enum;
use crate::{ParseError, Role};
use serde::Serialize;

string_enum!(
    /// Something a staff member may try to do in the admin or the API.
    Action {
        /// Open the admin at all (every role may; deactivated accounts have no session).
        UseAdmin => "use_admin",
        /// Change site settings (title, permalinks, comment policy, mail, theme).
        ManageSettings => "manage_settings",
        /// Invite, change the role of, and deactivate accounts.
        ManageUsers => "manage_users",
        /// Start a new draft (always one's own).
        CreateDrafts => "create_drafts",
        /// Change a post or page: with [`Ownership::Own`] one's own, with [`Ownership::Others`] anyone's.
        EditPosts => "edit_posts",
        /// Publish, schedule or unpublish a post or page.
        PublishPosts => "publish_posts",
        /// Add files to the media library.
        UploadMedia => "upload_media",
        /// Approve, edit, mark as spam or trash readers' comments.
        ModerateComments => "moderate_comments",
    }
);

string_enum!(
    /// Whose thing an action touches. Site-wide actions (settings, users) have no owner and are
    /// asked with [`Ownership::Others`], the stricter of the two.
    Ownership {
        /// The acting account's own post (or the comments under it).
        Own => "own",
        /// Someone else's, or nobody's in particular.
        Others => "others",
    }
);

impl Role {
    /// Whether this role may do `action` on something with `ownership`. Total and pure; the
    /// tests below spell the whole table out.
    pub const fn can(self, action: Action, ownership: Ownership) -> bool {
        use Action::*;
        use Role::*;
        let own = matches!(ownership, Ownership::Own);
        match (self, action) {
            (Admin, _) => true,
            (_, UseAdmin | CreateDrafts) => true,
            (_, ManageSettings | ManageUsers) => false,
            (Editor, _) => true,
            (Author, EditPosts | PublishPosts) => own,
            (Author, UploadMedia) => true,
            (Author, ModerateComments) => false,
            // Contributors write their own drafts; an editor publishes them.
            (Contributor, EditPosts) => own,
            (Contributor, PublishPosts | UploadMedia | ModerateComments) => false,
        }
    }

    /// Whether this role may do `action` site-wide (on anyone's things).
    pub const fn may(self, action: Action) -> bool {
        self.can(action, Ownership::Others)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, written out: (action, [admin, editor, author, contributor]) for own and others.
    const TABLE: &[(Action, [bool; 4], [bool; 4])] = &[
        //                           own: adm   edi   aut    con      others: adm   edi   aut    con
        (Action::UseAdmin, [true, true, true, true], [true, true, true, true]),
        (Action::ManageSettings, [true, false, false, false], [true, false, false, false]),
        (Action::ManageUsers, [true, false, false, false], [true, false, false, false]),
        (Action::CreateDrafts, [true, true, true, true], [true, true, true, true]),
        (Action::EditPosts, [true, true, true, true], [true, true, false, false]),
        (Action::PublishPosts, [true, true, true, false], [true, true, false, false]),
        (Action::UploadMedia, [true, true, true, false], [true, true, true, false]),
        (Action::ModerateComments, [true, true, false, false], [true, true, false, false]),
    ];

    const ROLES: [Role; 4] = [Role::Admin, Role::Editor, Role::Author, Role::Contributor];

    #[test]
    fn every_role_action_and_ownership_matches_the_written_table() {
        assert_eq!(TABLE.len(), Action::ALL.len(), "every action has a row");
        for action in Action::ALL {
            let Some((_, own, others)) = TABLE.iter().find(|(a, _, _)| a == action) else {
                panic!("{action} has no row in the table");
            };
            for (role, (own, others)) in ROLES.iter().zip(own.iter().zip(others.iter())) {
                assert_eq!(role.can(*action, Ownership::Own), *own, "{role} {action} own");
                assert_eq!(role.can(*action, Ownership::Others), *others, "{role} {action} others");
                assert_eq!(role.may(*action), *others, "{role} may {action}");
            }
        }
    }

    #[test]
    fn owning_a_thing_never_takes_a_permission_away() {
        for role in Role::ALL {
            for action in Action::ALL {
                if role.can(*action, Ownership::Others) {
                    assert!(role.can(*action, Ownership::Own), "{role} {action}");
                }
            }
        }
    }

    #[test]
    fn each_role_may_do_at_least_what_the_next_lower_one_may() {
        for pair in ROLES.windows(2) {
            let [higher, lower] = pair else { continue };
            for action in Action::ALL {
                for ownership in Ownership::ALL {
                    if lower.can(*action, *ownership) {
                        assert!(higher.can(*action, *ownership), "{lower} may {action} but {higher} may not");
                    }
                }
            }
        }
    }

    #[test]
    fn actions_round_trip_through_their_names() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(*action));
        }
    }
}
