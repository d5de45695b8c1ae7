//! The rules of Minsheng, with no I/O: the org tree, users and roles, the matter aggregate and
//! its lifecycle, the events that record it, and the hash chain that seals the event log.
//!
//! Everything here is a pure function of its inputs. Time arrives as a parameter, never from a
//! clock; storage and HTTP live in other crates and must not leak in.

/// A closed set of string codes: serde as snake_case, `ALL`, `as_str` and `parse`.
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

pub mod access;
pub mod calendar;
pub mod category;
pub mod chain;
pub mod clock;
pub mod command;
pub mod error;
pub mod event;
pub mod ids;
pub mod matter;
pub mod mediation;
pub mod merge;
pub mod money;
pub mod org;
pub mod party;
pub mod policy;
pub mod text;
pub mod warning;

pub use access::{Actor, Role};
pub use category::{Catalogue, Category, CategoryCode};
pub use command::{Command, Context, decide};
pub use error::{DomainError, FieldError, Issue};
pub use event::{Event, RecordedEvent};
pub use ids::{MatterId, UnitId, UserId};
pub use matter::{Channel, HandlingMode, Matter, MatterKind, Status};
pub use money::Fen;
pub use org::{OrgTree, Unit, UnitKind};
