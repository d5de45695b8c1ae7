//! The registers a mediation committee keeps.
