//! Merging two records of one person: an import met the same practitioner
//! under two names or addresses and could not tell. The kept record takes
//! over everything the absorbed one did; the absorbed record stays, hidden,
//! so that an administrator who merged the wrong pair can undo it exactly.

use crate::ids::PersonId;

/// What the rules need to know about each of the two records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergeSide {
    pub id: PersonId,
    pub has_account: bool,
    /// Set when this record was itself absorbed by an earlier merge.
    pub merged_into: Option<PersonId>,
}

/// Why two records may not be merged, in words for the administrator.
/// `actor` is the administrator merging, `None` from the command line.
pub fn check_merge(
    actor: Option<PersonId>,
    kept: &MergeSide,
    absorbed: &MergeSide,
) -> Result<(), String> {
    if kept.id == absorbed.id {
        return Err("choose two different people".into());
    }
    if kept.merged_into.is_some() {
        return Err(
            "the person to keep was already merged into someone else; keep that person instead"
                .into(),
        );
    }
    if absorbed.merged_into.is_some() {
        return Err("that person was already merged into someone else".into());
    }
    if Some(absorbed.id) == actor {
        return Err("you cannot merge away your own record; ask another administrator".into());
    }
    if absorbed.has_account && !kept.has_account {
        // The absorbed record can no longer sign in: keeping the one without
        // an account would lock the person out.
        return Err(
            "the person to merge away can sign in and the one to keep cannot: keep the one with the account"
                .into(),
        );
    }
    Ok(())
}

/// Merges are undone newest first: a later merge that involves either
/// person and is still in force may have moved the same rows again.
pub fn check_undo(
    already_undone: bool,
    later_merges_in_force: usize,
    kept_merged_into: Option<PersonId>,
) -> Result<(), String> {
    if already_undone {
        return Err("this merge was already undone".into());
    }
    if later_merges_in_force > 0 || kept_merged_into.is_some() {
        return Err(
            "a later merge involves one of these people: undo that one first (newest first)".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(id: i64, has_account: bool) -> MergeSide {
        MergeSide {
            id: PersonId(id),
            has_account,
            merged_into: None,
        }
    }

    #[test]
    fn an_imported_record_merges_into_an_account() {
        assert!(check_merge(Some(PersonId(9)), &side(1, true), &side(2, false)).is_ok());
        assert!(check_merge(Some(PersonId(9)), &side(1, false), &side(2, false)).is_ok());
        assert!(check_merge(Some(PersonId(9)), &side(1, true), &side(2, true)).is_ok());
    }

    #[test]
    fn refusals_say_why() {
        let same = check_merge(Some(PersonId(9)), &side(1, true), &side(1, true));
        assert!(same.unwrap_err().contains("two different"));
        let lockout = check_merge(Some(PersonId(9)), &side(1, false), &side(2, true));
        assert!(
            lockout
                .unwrap_err()
                .contains("keep the one with the account")
        );
        let own = check_merge(Some(PersonId(2)), &side(1, true), &side(2, true));
        assert!(own.unwrap_err().contains("your own record"));
        let mut gone = side(1, true);
        gone.merged_into = Some(PersonId(5));
        assert!(
            check_merge(Some(PersonId(9)), &gone, &side(2, false))
                .unwrap_err()
                .contains("keep that person instead")
        );
        assert!(
            check_merge(Some(PersonId(9)), &side(2, false), &gone)
                .unwrap_err()
                .contains("already merged")
        );
    }

    #[test]
    fn undo_goes_newest_first() {
        assert!(check_undo(false, 0, None).is_ok());
        assert!(check_undo(true, 0, None).unwrap_err().contains("already"));
        assert!(
            check_undo(false, 1, None)
                .unwrap_err()
                .contains("newest first")
        );
        assert!(
            check_undo(false, 0, Some(PersonId(3)))
                .unwrap_err()
                .contains("newest first")
        );
    }
}
