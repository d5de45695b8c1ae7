//! Similar matters as the server keeps them: a MinHash signature of each matter's title and
//! body, computed once when the search follower first sees the matter (what was registered
//! never changes), kept in an LSH index in memory and persisted in `signatures.bin` beside the
//! search index, so a restart loads them instead of re-reading a million histories. Answers
//! "which matters in my scope say nearly the same thing", with why: the phrases they share,
//! the same place, the same category, the same other party.

use minsheng_domain::party::PartyRole;
use minsheng_domain::{Matter, MatterId};
use minsheng_search::similar::{LshIndex, Signature, SimilarError, shared_words};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};

/// Matters at least this similar (estimated Jaccard of character 3-grams) are shown. The index
/// finds pairs above 0.6 nearly always and pairs at 0.3 about a quarter of the time
/// (`similar::lsh`); below 0.5 the panel shows what it happens to find.
pub const THRESHOLD: f64 = 0.3;

/// The signatures, in memory and (with a directory) on disk.
pub struct Similarity {
    lsh: RwLock<LshIndex>,
    file: Mutex<Option<std::fs::File>>,
    /// `signatures.bin` held signatures of an older recipe: every matter must be signed
    /// again (the search follower rebuilds; see `search::catch_up`).
    outdated: AtomicBool,
}

/// One record of `signatures.bin`: the matter id, then the signature's bytes with their length.
fn record(id: i64, signature: &Signature) -> Vec<u8> {
    let bytes = signature.to_bytes();
    let mut out = Vec::with_capacity(10 + bytes.len());
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_le_bytes());
    out.extend_from_slice(&bytes);
    out
}

impl Similarity {
    /// Loads `dir/signatures.bin` (created if missing); without a directory, memory only. A
    /// torn last record (a crash mid-write) is dropped; its matter is signed again.
    pub fn open(dir: Option<&PathBuf>) -> std::io::Result<Self> {
        let mut lsh = LshIndex::new();
        let Some(dir) = dir else {
            return Ok(Self {
                lsh: RwLock::new(lsh),
                file: Mutex::new(None),
                outdated: AtomicBool::new(false),
            });
        };
        std::fs::create_dir_all(dir)?;
        let path = dir.join("signatures.bin");
        // Read record by record: the file (half a gigabyte at a million matters) is never held
        // in memory beside the index it fills.
        let mut at: u64 = 0;
        let mut outdated = false;
        if path.exists() {
            let file = std::fs::File::open(&path)?;
            let size = file.metadata()?.len();
            // Records are the same size but for a format change; reserve for that size.
            lsh.reserve(usize::try_from(size / (10 + 513)).unwrap_or(0));
            let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
            let mut head = [0u8; 10];
            let mut raw = vec![];
            loop {
                if reader.read_exact(&mut head).is_err() {
                    break;
                }
                let (id, len) = head.split_at(8);
                let id = i64::from_le_bytes(id.try_into().unwrap_or([0; 8]));
                let len = usize::from(u16::from_le_bytes(len.try_into().unwrap_or([0; 2])));
                raw.resize(len, 0);
                if reader.read_exact(&mut raw).is_err() {
                    break;
                }
                match Signature::from_bytes(&raw) {
                    Ok(signature) => {
                        lsh.insert(id, &signature);
                    }
                    Err(SimilarError::SignatureVersion(_)) => outdated = true,
                    Err(_) => {}
                }
                at += 10 + len as u64;
            }
            // Loading grew every table and pool by halves or doublings; keep only what is held.
            lsh.shrink_to_fit();
            let m = lsh.memory();
            let mib = |bytes: usize| bytes >> 20;
            tracing::info!(
                matters = lsh.len(),
                groups = lsh.groups(),
                band_keys = m.band_keys,
                total_mib = mib(m.total()),
                cells_mib = mib(m.cells),
                lists_mib = mib(m.lists),
                fingerprints_mib = mib(m.fingerprints),
                members_mib = mib(m.members),
                slots_mib = mib(m.slots),
                "similar-matters index loaded"
            );
        }
        let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
        file.set_len(at)?;
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0))?;
        Ok(Self { lsh: RwLock::new(lsh), file: Mutex::new(Some(file)), outdated: AtomicBool::new(outdated) })
    }

    /// Whether the file held signatures of an older recipe (until [`Similarity::clear`]).
    pub fn outdated(&self) -> bool {
        self.outdated.load(Ordering::Acquire)
    }

    /// Forgets every signature (they belonged to another database's matters).
    pub fn clear(&self) -> std::io::Result<()> {
        if let Ok(mut file) = self.file.lock()
            && let Some(file) = file.as_mut()
        {
            file.set_len(0)?;
            std::io::Seek::seek(file, std::io::SeekFrom::Start(0))?;
        }
        if let Ok(mut lsh) = self.lsh.write() {
            *lsh = LshIndex::new();
        }
        self.outdated.store(false, Ordering::Release);
        Ok(())
    }

    pub fn contains(&self, id: MatterId) -> bool {
        self.lsh.read().map(|l| l.contains(id.0)).unwrap_or(false)
    }

    /// Signs a matter not seen before, and keeps its signature.
    pub fn add(&self, m: &Matter) -> std::io::Result<()> {
        if self.contains(m.id) {
            return Ok(());
        }
        let signature = Signature::of_matter(&m.registration.title, &m.registration.body);
        if let Ok(mut file) = self.file.lock()
            && let Some(file) = file.as_mut()
        {
            file.write_all(&record(m.id.0, &signature))?;
        }
        if let Ok(mut lsh) = self.lsh.write() {
            lsh.insert(m.id.0, &signature);
        }
        Ok(())
    }

    /// Makes the appended signatures durable (with the search index's commit).
    pub fn sync(&self) -> std::io::Result<()> {
        if let Ok(file) = self.file.lock()
            && let Some(file) = file.as_ref()
        {
            file.sync_data()?;
        }
        Ok(())
    }

    /// Matters whose words are close to `title` and `body`, most similar first.
    pub fn candidates(&self, title: &str, body: &str, limit: usize) -> Vec<(MatterId, f64)> {
        let signature = Signature::of_matter(title, body);
        self.lsh
            .read()
            .map(|l| l.query(&signature, THRESHOLD, limit))
            .unwrap_or_default()
            .into_iter()
            .map(|(id, score)| (MatterId(id), score))
            .collect()
    }
}

/// Why two matters look alike, in words staff read: shared phrases, and the same place,
/// category or other party.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Why {
    /// The longest phrases both say (at most five).
    pub shared_words: Vec<String>,
    pub same_place: bool,
    pub same_category: bool,
    /// The same project (涉及项目), as written at intake.
    pub same_project: bool,
    /// Parties (respondents: an employer, a company, a neighbour) named in both, masked.
    pub same_parties: Vec<String>,
}

/// Why `other` looks like a matter with this registration.
pub fn why(
    title: &str,
    body: &str,
    unit_id: i64,
    category: &str,
    project: Option<&str>,
    respondents: &[String],
    other: &Matter,
) -> Why {
    let r = &other.registration;
    let same_parties = r
        .parties
        .iter()
        .filter(|p| p.role != PartyRole::Applicant && respondents.iter().any(|n| n == p.name.as_str()))
        .map(|p| p.name.masked())
        .collect();
    Why {
        shared_words: shared_words(&format!("{title} {body}"), &format!("{} {}", r.title, r.body)),
        same_place: r.unit_id.0 == unit_id,
        same_category: r.category.as_str() == category,
        same_project: match (project.map(subject_name), r.project.as_deref().map(subject_name)) {
            (Some(a), Some(b)) => !a.is_empty() && a == b,
            _ => false,
        },
        same_parties,
    }
}

/// A place, employer or project name as clusters and comparisons see it: normalised (simplified,
/// half-width, lower case) with every space and punctuation mark taken out, so `某某建筑公司`,
/// `某某建筑公司 ` and `某某建築公司` name one subject.
pub fn subject_name(name: &str) -> String {
    minsheng_search::text::normalize(name).chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file from a build with another signature recipe is noticed, not loaded: the search
    /// follower then signs every matter again.
    #[test]
    fn signatures_of_an_older_recipe_are_signed_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let current = Signature::of_matter("小区电梯长期故障", "物业公司拒不维修。");
        let mut old = current.to_bytes();
        old[0] = minsheng_search::similar::minhash::FORMAT_VERSION - 1;
        let mut file = record(7, &current);
        let mut stale = Vec::new();
        stale.extend_from_slice(&8i64.to_le_bytes());
        stale.extend_from_slice(&(old.len() as u16).to_le_bytes());
        stale.extend_from_slice(&old);
        file.extend_from_slice(&stale);
        std::fs::write(path.join("signatures.bin"), &file).unwrap();

        let similar = Similarity::open(Some(&path)).unwrap();
        assert!(similar.outdated());
        assert!(similar.contains(MatterId(7)) && !similar.contains(MatterId(8)));
        similar.clear().unwrap();
        assert!(!similar.outdated() && !similar.contains(MatterId(7)));
        assert_eq!(std::fs::metadata(path.join("signatures.bin")).unwrap().len(), 0);

        // A file of current signatures is not outdated.
        std::fs::write(path.join("signatures.bin"), record(7, &current)).unwrap();
        let similar = Similarity::open(Some(&path)).unwrap();
        assert!(!similar.outdated() && similar.contains(MatterId(7)));
    }
}
