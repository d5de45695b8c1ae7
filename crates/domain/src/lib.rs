//! The rules of Minsheng, with no I/O: the org tree, users and roles, the matter aggregate and
//! its lifecycle, the events that record it, and the hash chain that seals the event log.
//!
//! Everything here is a pure function of its inputs. Time arrives as a parameter, never from a
//! clock; storage and HTTP live in other crates and must not leak in.

pub mod access;
pub mod category;
pub mod chain;
pub mod command;
pub mod error;
pub mod event;
pub mod ids;
pub mod matter;
pub mod money;
pub mod org;
pub mod party;
pub mod text;

pub use access::{Actor, Role};
pub use category::{Catalogue, Category, CategoryCode};
pub use command::{Command, Context, decide};
pub use error::{DomainError, FieldError, Issue};
pub use event::{Event, RecordedEvent};
pub use ids::{MatterId, UnitId, UserId};
pub use matter::{Channel, HandlingMode, Matter, MatterKind, Status};
pub use money::Fen;
pub use org::{OrgTree, Unit, UnitKind};
