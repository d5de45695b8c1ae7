//! Who may do what: roles, the acting user, and the role half of authorisation. The other
//! half, which units an actor sees, is the actor's unit subtree, enforced by the store.

use crate::ids::{UnitId, UserId};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: manages units, users and settings.
    Admin,
    /// 领导: dispatches, supervises, owns hard matters.
    Leader,
    /// 登记员: intake and dispatch.
    Clerk,
    /// 承办人: handles matters assigned to the unit.
    Handler,
    /// 调解员: handles disputes in a committee.
    Mediator,
    /// 网格员: reports grid events, handles small ones on the spot.
    GridWorker,
    /// 审计/监督: reads everything in scope, changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Self::Admin,
        Self::Leader,
        Self::Clerk,
        Self::Handler,
        Self::Mediator,
        Self::GridWorker,
        Self::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Leader => "leader",
            Self::Clerk => "clerk",
            Self::Handler => "handler",
            Self::Mediator => "mediator",
            Self::GridWorker => "grid_worker",
            Self::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// May register new matters (受理登记).
    pub fn registers(self) -> bool {
        !matches!(self, Self::Auditor)
    }

    /// May route matters to units (转办/交办/协办).
    pub fn dispatches(self) -> bool {
        matches!(self, Self::Admin | Self::Leader | Self::Clerk | Self::Handler)
    }

    /// May work on and reply to matters of the unit.
    pub fn handles(self) -> bool {
        !matches!(self, Self::Auditor)
    }

    /// May close and reopen matters (办结/重办).
    pub fn closes(self) -> bool {
        matches!(self, Self::Admin | Self::Leader | Self::Clerk | Self::Handler | Self::Mediator)
    }

    /// May supervise (督办/催办) and assign a leader to own a matter (包案).
    pub fn supervises(self) -> bool {
        matches!(self, Self::Admin | Self::Leader)
    }

    /// May manage units and users.
    pub fn administers(self) -> bool {
        matches!(self, Self::Admin)
    }

    /// May see personal data unmasked, with a stated reason.
    pub fn reveals(self) -> bool {
        !matches!(self, Self::GridWorker)
    }
}

/// The authenticated user performing a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    /// The root of the actor's scope: they see this unit and everything below it.
    pub unit_id: UnitId,
}
