//! An index of labelled example utterances, ranked against a message by
//! cosine similarity of TF-IDF weighted features.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::hash::Hash;

use crate::{FeatureId, features, normalize};

/// A sparse vector: (feature, weight) sorted by feature, with unit length.
type SparseVector = Vec<(FeatureId, f32)>;

/// Labelled examples prepared for ranking.
///
/// Features are weighted by smoothed inverse document frequency over the
/// examples, so words every example shares ("hva", "what", "jeg") weigh
/// little. Features of a message that no example has are weighted as the
/// rarest, so a message about something else entirely scores low against
/// everything.
#[derive(Debug, Clone)]
pub struct Index<L> {
    labels: Vec<L>,
    idf: FxHashMap<FeatureId, f32>,
    unseen_idf: f32,
    /// The label of each example, by example number.
    example_labels: Vec<usize>,
    /// Each example as given, by example number (for explanations).
    texts: Vec<String>,
    /// For each feature, the examples that have it and its weight there.
    postings: FxHashMap<FeatureId, Vec<(u32, f32)>>,
    /// For each feature, the labels whose mean example has it, and the weight.
    centroid_postings: FxHashMap<FeatureId, Vec<(u32, f32)>>,
    neighbours: usize,
    centroid_weight: f32,
    /// Features in more examples than this are skipped when ranking.
    max_postings: usize,
}

/// A label and how well the message matches it: the mean cosine similarity
/// with the label's closest examples (see [`Index::with_neighbours`]), 0.0–1.0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match<'a, L> {
    pub label: &'a L,
    pub score: f32,
    /// The label's closest example ([`Index::example`]), if any shares a feature.
    pub example: Option<usize>,
}

impl<L: Eq + Hash + Clone> Index<L> {
    /// Builds the index from (label, example) pairs. Examples that normalise to
    /// nothing are skipped.
    pub fn new<I, S>(examples: I) -> Self
    where
        I: IntoIterator<Item = (L, S)>,
        S: AsRef<str>,
    {
        let mut labels: Vec<L> = Vec::new();
        let mut label_ids: HashMap<L, usize> = HashMap::new();
        let mut counted: Vec<(usize, FxHashMap<FeatureId, u32>)> = Vec::new();
        let mut texts = Vec::new();
        for (label, text) in examples {
            let counts = count_features(text.as_ref());
            if counts.is_empty() {
                continue;
            }
            let id = *label_ids.entry(label.clone()).or_insert_with(|| {
                labels.push(label);
                labels.len() - 1
            });
            counted.push((id, counts));
            texts.push(text.as_ref().to_string());
        }

        let mut document_frequency: HashMap<FeatureId, u32> = HashMap::new();
        for (_, counts) in &counted {
            for feature in counts.keys() {
                *document_frequency.entry(*feature).or_insert(0) += 1;
            }
        }
        let documents = counted.len() as f32;
        let idf: FxHashMap<FeatureId, f32> = document_frequency
            .into_iter()
            .map(|(feature, df)| (feature, ((1.0 + documents) / (1.0 + df as f32)).ln() + 1.0))
            .collect();
        let unseen_idf = (1.0 + documents).ln() + 1.0;

        let examples: Vec<(usize, SparseVector)> = counted
            .into_iter()
            .map(|(label, counts)| (label, weigh(&counts, &idf, unseen_idf)))
            .collect();
        let centroids = centroids(labels.len(), &examples);
        let example_labels = examples.iter().map(|(label, _)| *label).collect();
        let postings = invert(examples.iter().map(|(_, vector)| vector));
        let centroid_postings = invert(centroids.iter());
        Self {
            labels,
            idf,
            unseen_idf,
            example_labels,
            texts,
            postings,
            centroid_postings,
            neighbours: 1,
            centroid_weight: 0.0,
            max_postings: usize::MAX,
        }
    }

    /// Blends each label's score with the similarity to the mean of all its
    /// examples: `weight` 0.0 is nearest examples only (default), 1.0 the
    /// mean only.
    pub fn with_centroid_weight(mut self, weight: f32) -> Self {
        self.centroid_weight = weight.clamp(0.0, 1.0);
        self
    }

    /// Skips, when ranking, the features that more than `share` (0–1) of the
    /// examples have: the commonest letter sequences ("<hv", "jeg") weigh
    /// least by their IDF, yet cost the most to add up. 1.0 keeps them all.
    pub fn with_max_feature_share(mut self, share: f32) -> Self {
        let examples = self.example_labels.len() as f32;
        self.max_postings = (share.clamp(0.0, 1.0) * examples).ceil() as usize;
        if share >= 1.0 {
            self.max_postings = usize::MAX;
        }
        self
    }

    /// Scores each label by the mean similarity of its `k` closest examples
    /// (default 1). A larger `k` rewards labels whose examples agree and
    /// damps a single lucky match.
    pub fn with_neighbours(mut self, k: usize) -> Self {
        self.neighbours = k.max(1);
        self
    }

    /// Every label that has examples, best match first. Ties keep the order in
    /// which labels were first seen, so rankings are deterministic.
    pub fn rank(&self, text: &str) -> Vec<Match<'_, L>> {
        let query = weigh(&count_features(text), &self.idf, self.unseen_idf);
        if query.is_empty() {
            return self
                .labels
                .iter()
                .map(|label| Match {
                    label,
                    score: 0.0,
                    example: None,
                })
                .collect();
        }
        // Dot products through the inverted lists: only examples (and label
        // means) sharing a feature with the message are touched.
        let mut example_scores = vec![0.0f32; self.example_labels.len()];
        let mut centroid_scores = vec![0.0f32; self.labels.len()];
        for (feature, weight) in &query {
            let postings = self.postings.get(feature).map_or(&[][..], Vec::as_slice);
            if postings.len() > self.max_postings {
                continue;
            }
            for (example, w) in postings {
                example_scores[*example as usize] += weight * w;
            }
            for (label, w) in self.centroid_postings.get(feature).into_iter().flatten() {
                centroid_scores[*label as usize] += weight * w;
            }
        }
        let k = self.neighbours;
        // The k best example scores per label, best first, in one flat array
        // (scores are never negative, so a label with fewer than k examples
        // is padded with zeros, as an average over k wants).
        let mut best = vec![0.0f32; self.labels.len() * k];
        let mut closest: Vec<Option<(usize, f32)>> = vec![None; self.labels.len()];
        for (number, (score, label)) in example_scores.into_iter().zip(&self.example_labels).enumerate() {
            if score <= 0.0 {
                continue;
            }
            if closest[*label].is_none_or(|(_, s)| score > s) {
                closest[*label] = Some((number, score));
            }
            let top = &mut best[*label * k..(*label + 1) * k];
            if score > top[k - 1] {
                let at = top.partition_point(|s| *s >= score);
                top.copy_within(at..k - 1, at + 1);
                top[at] = score;
            }
        }
        let mut ranked: Vec<Match<'_, L>> = self
            .labels
            .iter()
            .zip(best.chunks_exact(k))
            .zip(centroid_scores)
            .zip(closest)
            .map(|(((label, top), centroid), closest)| {
                let nearest = top.iter().sum::<f32>() / k as f32;
                let score = (1.0 - self.centroid_weight) * nearest + self.centroid_weight * centroid;
                Match {
                    label,
                    score: score.clamp(0.0, 1.0),
                    example: closest.map(|(number, _)| number),
                }
            })
            .collect();
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
        ranked
    }

    /// The best match, if the index has any labels.
    pub fn best(&self, text: &str) -> Option<Match<'_, L>> {
        self.rank(text).into_iter().next()
    }

    /// The labels, in the order they were first seen.
    pub fn labels(&self) -> &[L] {
        &self.labels
    }

    /// Example number `number` as it was given.
    pub fn example(&self, number: usize) -> Option<&str> {
        self.texts.get(number).map(String::as_str)
    }

    /// How many examples the index holds.
    pub fn example_count(&self) -> usize {
        self.example_labels.len()
    }
}

fn count_features(text: &str) -> FxHashMap<FeatureId, u32> {
    let mut counts = FxHashMap::default();
    for feature in features(&normalize(text)) {
        *counts.entry(feature).or_insert(0) += 1;
    }
    counts
}

/// Sublinear term frequency times IDF, scaled to unit length.
fn weigh(counts: &FxHashMap<FeatureId, u32>, idf: &FxHashMap<FeatureId, f32>, unseen: f32) -> SparseVector {
    let mut vector: SparseVector = counts
        .iter()
        .map(|(feature, count)| {
            let tf = 1.0 + (*count as f32).ln();
            (*feature, tf * idf.get(feature).copied().unwrap_or(unseen))
        })
        .collect();
    let norm = vector.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, weight) in &mut vector {
            *weight /= norm;
        }
    }
    vector.sort_unstable_by_key(|(feature, _)| *feature);
    vector
}

/// The mean of each label's example vectors, scaled to unit length.
fn centroids(label_count: usize, examples: &[(usize, SparseVector)]) -> Vec<SparseVector> {
    let mut sums: Vec<HashMap<FeatureId, f32>> = vec![HashMap::new(); label_count];
    for (label, vector) in examples {
        for (feature, weight) in vector {
            *sums[*label].entry(*feature).or_insert(0.0) += weight;
        }
    }
    sums.into_iter()
        .map(|sum| {
            let norm = sum.values().map(|w| w * w).sum::<f32>().sqrt();
            let mut vector: SparseVector = sum
                .into_iter()
                .map(|(f, w)| (f, if norm > 0.0 { w / norm } else { 0.0 }))
                .collect();
            vector.sort_unstable_by_key(|(feature, _)| *feature);
            vector
        })
        .collect()
}

/// Feature → (vector number, weight) lists over a sequence of vectors.
fn invert<'a>(vectors: impl Iterator<Item = &'a SparseVector>) -> FxHashMap<FeatureId, Vec<(u32, f32)>> {
    let mut lists: FxHashMap<FeatureId, Vec<(u32, f32)>> = FxHashMap::default();
    for (number, vector) in vectors.enumerate() {
        for (feature, weight) in vector {
            lists.entry(*feature).or_default().push((number as u32, *weight));
        }
    }
    lists
}

#[cfg(test)]
mod tests {
    use super::Index;

    fn index() -> Index<&'static str> {
        Index::new([
            ("funeral", "hvordan søker jeg gravferdsstønad"),
            ("funeral", "støtte til begravelse"),
            ("tax", "skattemelding for den som døde"),
            ("tax", "skattemeldingen til dødsboet"),
            ("kindergarten", "søke barnehageplass"),
        ])
    }

    #[test]
    fn exact_example_scores_one() {
        let index = index();
        let best = index.best("Hvordan søker jeg gravferdsstønad?").expect("labels");
        assert_eq!(*best.label, "funeral");
        assert!((best.score - 1.0).abs() < 1e-4, "{}", best.score);
    }

    #[test]
    fn inflections_and_typos_still_match() {
        let index = index();
        for (text, want) in [
            ("gravferdstønaden", "funeral"),
            ("skattemeldinga til dodsbuet", "tax"),
            ("barnehageplassen", "kindergarten"),
        ] {
            let best = index.best(text).expect("labels");
            assert_eq!(*best.label, want, "{text}");
        }
    }

    #[test]
    fn unrelated_text_scores_low() {
        let index = index();
        let best = index.best("weather in Bergen tomorrow").expect("labels");
        assert!(best.score < 0.2, "{}", best.score);
    }

    #[test]
    fn empty_input_scores_zero_everywhere() {
        let index = index();
        assert!(index.rank("  ?! ").iter().all(|m| m.score == 0.0));
        assert_eq!(index.rank("").len(), 3);
    }

    #[test]
    fn neighbours_average_the_closest_examples() {
        let index = index().with_neighbours(2);
        let best = index.best("hvordan søker jeg gravferdsstønad").expect("labels");
        assert_eq!(*best.label, "funeral");
        assert!(
            best.score < 0.99 && best.score > 0.5,
            "mean of an exact and a partial match: {}",
            best.score
        );
        let single = index.rank("søke barnehageplass");
        let kindergarten = single.iter().find(|m| *m.label == "kindergarten").expect("label");
        assert!(
            (kindergarten.score - 0.5).abs() < 1e-4,
            "one example counts once in a mean of two: {}",
            kindergarten.score
        );
    }

    #[test]
    fn empty_index_ranks_nothing() {
        let index: Index<&str> = Index::new(Vec::<(&str, &str)>::new());
        assert!(index.best("anything").is_none());
        assert_eq!(index.example_count(), 0);
    }
}
