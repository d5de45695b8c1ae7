//! What matters cluster by, kept small: categories, employers and projects are interned once
//! ([`Names`]) and a subject is a copyable pair of numbers ([`About`]). Only a cluster that
//! comes out of grouping is spelled as the domain's [`ClusterKey`].

use minsheng_domain::UnitId;
use minsheng_domain::warning::{ClusterKey, Subject};
use std::collections::HashMap;
use std::sync::Arc;

/// An interned name: a category code, an employer's or a project's (normalised) name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Name(u32);

/// Every name the evaluator has met, once each. Names are few (the categories, and the
/// organisations and projects matters name) and are kept for as long as the evaluator runs.
#[derive(Default)]
pub(super) struct Names {
    numbers: HashMap<Arc<str>, Name>,
    names: Vec<Arc<str>>,
}

impl Names {
    pub fn intern(&mut self, name: &str) -> Name {
        if let Some(n) = self.numbers.get(name) {
            return *n;
        }
        let n = Name(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        let shared: Arc<str> = Arc::from(name);
        self.names.push(Arc::clone(&shared));
        self.numbers.insert(shared, n);
        n
    }

    pub fn get(&self, n: Name) -> &str {
        usize::try_from(n.0).ok().and_then(|i| self.names.get(i)).map_or("", |s| s)
    }

    /// The domain's key of a (category, subject) pair.
    pub fn key(&self, (category, about): (Name, About)) -> ClusterKey {
        let subject = match about {
            About::Place(unit) => Subject::Place(unit),
            About::Employer(n) => Subject::Employer(self.get(n).to_owned()),
            About::Project(n) => Subject::Project(self.get(n).to_owned()),
        };
        ClusterKey { subject, category: self.get(category).to_owned() }
    }
}

/// A cluster's subject with its names interned ([`Subject`]'s twin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum About {
    Place(UnitId),
    Employer(Name),
    Project(Name),
}

impl About {
    /// Which subjects claim matters first: a project's cluster, then an employer's, then a
    /// place's, so the same matters are not warned of again under a broader subject.
    pub fn rank(self) -> u8 {
        match self {
            Self::Project(_) => 0,
            Self::Employer(_) => 1,
            Self::Place(_) => 2,
        }
    }
}
