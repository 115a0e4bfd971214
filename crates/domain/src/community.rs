//! A community of practice: its visibility, how people join, the roles
//! inside it and the stages of its life.

/// Declares a closed set of values stored and sent as lowercase words.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $word:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        // Written and read as its word, in JSON as in the database.
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let word = <std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                $name::parse(&word).map_err(::serde::de::Error::custom)
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                match s.trim() {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!(
                        "'{}' is not one of: {}",
                        other,
                        [$($word),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Stored as its word; a word the enum does not know is an error
        // when read, never a silent default.
        #[cfg(feature = "rusqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                $name::parse(v.as_str()?).map_err(|e| {
                    rusqlite::types::FromSqlError::Other(
                        format!("{} in the database: {e}", stringify!($name)).into(),
                    )
                })
            }
        }

        #[cfg(feature = "rusqlite")]
        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        #[cfg(feature = "sqlx")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let word = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                $name::parse(word).map_err(|e| {
                    format!("{} in the database: {e}", stringify!($name)).into()
                })
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            &'static str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'static str as sqlx::Encode<'q, DB>>::encode_by_ref(&self.as_str(), buf)
            }
        }
    };
}
pub(crate) use word_enum;

word_enum!(
    /// Who can see a community: open (everyone, content included), closed
    /// (everyone sees it exists; content is for members), private (only
    /// members and invitees know it exists).
    Visibility {
        Open = "open": "Open",
        Closed = "closed": "Closed",
        Private = "private": "Private",
    }
);

word_enum!(
    /// How a person becomes a member.
    MembershipPolicy {
        Open = "open": "Anyone can join",
        Request = "request": "Ask to join",
        Invitation = "invitation": "By invitation",
    }
);

word_enum!(
    /// A role inside one community.
    CommunityRole {
        Coordinator = "coordinator": "Coordinator",
        Core = "core": "Core member",
        Member = "member": "Member",
        Observer = "observer": "Observer",
    }
);

word_enum!(
    /// "Communities of practice go through stages": potential, coalescing,
    /// maturing, stewardship, transformation, and memory (closed, its
    /// knowledge kept, read-only). Any move is allowed and recorded.
    Stage {
        Potential = "potential": "Potential",
        Coalescing = "coalescing": "Coalescing",
        Maturing = "maturing": "Maturing",
        Stewardship = "stewardship": "Stewardship",
        Transformation = "transformation": "Transformation",
        Memory = "memory": "Memory",
    }
);

word_enum!(
    /// Where a request to join stands. Approval happens with the
    /// membership it creates; a declined request may be made again.
    JoinRequestStatus {
        Pending = "pending": "Pending",
        Approved = "approved": "Approved",
        Declined = "declined": "Declined",
    }
);

word_enum!(
    /// Where an invitation to join stands.
    InvitationStatus {
        Pending = "pending": "Pending",
        Accepted = "accepted": "Accepted",
        Declined = "declined": "Declined",
    }
);

impl CommunityRole {
    /// Roles that may tend the community: membership, stage, charter.
    pub fn is_coordinator(self) -> bool {
        self == CommunityRole::Coordinator
    }

    /// The core group: coordinators and core members.
    pub fn is_core_group(self) -> bool {
        matches!(self, CommunityRole::Coordinator | CommunityRole::Core)
    }
}

impl Stage {
    /// The essay's image for the stage.
    pub fn metaphor(self) -> &'static str {
        match self {
            Stage::Potential => "falling in love",
            Stage::Coalescing => "dating",
            Stage::Maturing => "getting married",
            Stage::Stewardship => "living as a couple",
            Stage::Transformation => "growing old, growing young",
            Stage::Memory => "remembered",
        }
    }

    /// One sentence on what this stage is about.
    pub fn summary(self) -> &'static str {
        match self {
            Stage::Potential => {
                "People who share a domain are finding each other and discovering what they have in common."
            }
            Stage::Coalescing => {
                "The community is forming: members build trust by helping each other and telling the stories of their practice."
            }
            Stage::Maturing => {
                "The community commits to its domain: it writes its charter, assigns roles, sets a rhythm and launches itself."
            }
            Stage::Stewardship => {
                "The community is a steward of its domain: it keeps standards, trains newcomers and takes on hard problems."
            }
            Stage::Transformation => {
                "The community renews itself or prepares to close, keeping what it knows."
            }
            Stage::Memory => {
                "The community has closed. Its knowledge is kept and findable, read-only."
            }
        }
    }

    /// The practices that matter at this stage.
    pub fn practices(self) -> &'static [&'static str] {
        match self {
            Stage::Potential => &[
                "Find the people who share the domain across units",
                "Name the domain and why it matters to the organization",
                "Hold a first informal conversation",
            ],
            Stage::Coalescing => &[
                "Ask for and give help",
                "Tell stories of practice",
                "Build trust through regular small interactions",
            ],
            Stage::Maturing => &[
                "Write the charter: domain, rhythm, roles, openness, norms",
                "Assign roles: coordinator and core group",
                "Set a rhythm of events",
                "Hold a launch workshop",
            ],
            Stage::Stewardship => &[
                "Keep and endorse standards and resources",
                "Train and welcome newcomers",
                "Take on challenges and hard problems",
            ],
            Stage::Transformation => &[
                "Hold a renewal workshop",
                "Or decide on closure and harvest the knowledge",
            ],
            Stage::Memory => &[
                "Keep the knowledge findable",
                "Point members to living communities",
            ],
        }
    }

    /// Memory is read-only: no joins, no posts, no edits but a stage move.
    pub fn is_read_only(self) -> bool {
        self == Stage::Memory
    }
}

/// Rules that tie visibility to membership policy: a private community is
/// invisible to outsiders, so nobody outside could join or ask to.
pub fn check_visibility_policy(v: Visibility, p: MembershipPolicy) -> Result<(), String> {
    if v == Visibility::Private && p != MembershipPolicy::Invitation {
        return Err(
            "a private community is invisible to non-members, so it can only grow by invitation"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Ok(*s));
            assert!(!s.practices().is_empty());
        }
        assert!(Stage::parse("zombie").unwrap_err().contains("potential"));
    }

    #[test]
    fn private_needs_invitation() {
        assert!(check_visibility_policy(Visibility::Private, MembershipPolicy::Open).is_err());
        assert!(check_visibility_policy(Visibility::Private, MembershipPolicy::Invitation).is_ok());
        assert!(check_visibility_policy(Visibility::Closed, MembershipPolicy::Request).is_ok());
    }
}

#[cfg(test)]
mod word_tests {
    use crate::{ActivityKind, NotificationKind, OrgRole, Stage};

    #[test]
    fn json_carries_the_stored_word() {
        for k in ActivityKind::ALL {
            let json = serde_json::to_string(k).expect("serialize");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            let back: ActivityKind = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, *k);
        }
        assert_eq!(
            serde_json::to_string(&OrgRole::KnowledgeStrategist).expect("role"),
            "\"knowledge_strategist\""
        );
        assert_eq!(
            serde_json::to_string(&NotificationKind::RequestSolved).expect("kind"),
            "\"request_solved\""
        );
        let unknown = serde_json::from_str::<Stage>("\"dormant\"").expect_err("unknown");
        assert!(unknown.to_string().contains("'dormant' is not one of"));
    }
}
