//! The caller's scope: the unit subtree whose matters they may see. It is built once per
//! request from the authenticated user and passed into every matter query, where it becomes
//! part of the SQL; there is no unscoped way to list or fetch a matter except [`Scope::all`],
//! reserved for the operator's maintenance commands and the scheduler, which act as no user.

/// A unit subtree, as the materialised path of its root (`/1/5/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    path: String,
}

impl Scope {
    /// The subtree rooted at the unit with this path.
    pub fn subtree(path: impl Into<String>) -> Self {
        Self { path: path.into() }
    }

    /// Everything: for the operator's maintenance commands and the scheduler, never for a web
    /// request.
    pub fn all() -> Self {
        Self { path: "/".into() }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The half-open range of paths inside the subtree: `[path, upper)`.
    pub fn range(&self) -> (String, String) {
        prefix_range(&self.path)
    }

    /// Whether a unit path lies inside the scope.
    pub fn covers(&self, unit_path: &str) -> bool {
        unit_path.starts_with(&self.path)
    }
}

/// `[p, p')` where `p'` is `p` with its last `/` replaced by `0`, the next byte: every path
/// starting with `p` sorts inside, nothing else does. Lets an index do subtree queries.
pub fn prefix_range(path: &str) -> (String, String) {
    let mut upper = path.strip_suffix('/').unwrap_or(path).to_owned();
    upper.push('0');
    (path.to_owned(), upper)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_exactly_the_subtree() {
        let town = Scope::subtree("/1/5/");
        assert!(
            town.covers("/1/5/") && town.covers("/1/5/23/") && !town.covers("/1/50/") && !town.covers("/1/")
        );
        assert!(Scope::all().covers("/1/50/"));
        let (lo, hi) = prefix_range("/1/5/");
        for inside in ["/1/5/", "/1/5/9/", "/1/5/123/4/"] {
            assert!(lo.as_str() <= inside && inside < hi.as_str(), "{inside}");
        }
        for outside in ["/1/50/", "/1/6/", "/1/", "/1/4/9/", "/2/"] {
            assert!(!(lo.as_str() <= outside && outside < hi.as_str()), "{outside}");
        }
    }
}
