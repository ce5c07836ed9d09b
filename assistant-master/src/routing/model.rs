//! The learned decision over the domain: a linear score per candidate (one
//! weight per kind and feature, and per kind and word of the message), and
//! the most probable candidate of a softmax over them. The weights live in `content/routing-model.tsv`,
//! written by `cargo run -p veiviser-master --example train_router`.

use std::collections::BTreeMap;

use super::features::{Candidate, FEATURES, Kind};

/// The weights shipped with the master.
const EMBEDDED: &str = include_str!("../../content/routing-model.tsv");

/// The prefix of a word's weights in the weights file.
const WORD: &str = "word:";

/// One weight per kind of candidate and feature, and per kind and word
/// (stem) for the words it learned (none for others).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub weights: [[f32; FEATURES.len()]; Kind::ALL.len()],
    pub words: BTreeMap<String, [f32; Kind::ALL.len()]>,
}

impl Model {
    /// The model trained on the labelled sets (see BENCHMARKS.md, routing).
    pub fn embedded() -> Self {
        Self::parse(EMBEDDED).expect("content/routing-model.tsv is valid")
    }

    /// All weights zero: every candidate equally likely.
    pub fn zero() -> Self {
        Self {
            weights: [[0.0; FEATURES.len()]; Kind::ALL.len()],
            words: BTreeMap::new(),
        }
    }

    /// Reads `kind<TAB>feature<TAB>weight` lines (`#` comments and the header
    /// skipped); every kind and feature must be given exactly once, words
    /// (`word:<stem>`) at most once.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut model = Self::zero();
        let mut seen = [[false; FEATURES.len()]; Kind::ALL.len()];
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with("kind\t") {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let [kind, feature, weight] = fields.as_slice() else {
                return Err(format!("not kind, feature, weight: {line}"));
            };
            let kind = Kind::ALL
                .iter()
                .position(|k| k.name() == *kind)
                .ok_or_else(|| format!("unknown kind {kind}"))?;
            let weight: f32 = weight.parse().map_err(|e| format!("{line}: {e}"))?;
            if let Some(word) = feature.strip_prefix(WORD) {
                let weights = model.words.entry(word.to_string()).or_default();
                if weights[kind] != 0.0 {
                    return Err(format!("{feature} given twice"));
                }
                weights[kind] = weight;
                continue;
            }
            let feature = FEATURES
                .iter()
                .position(|f| f == feature)
                .ok_or_else(|| format!("unknown feature {feature}"))?;
            if std::mem::replace(&mut seen[kind][feature], true) {
                return Err(format!("{} given twice", FEATURES[feature]));
            }
            model.weights[kind][feature] = weight;
        }
        match seen.iter().flatten().all(|s| *s) {
            true => Ok(model),
            false => Err("a weight is missing".into()),
        }
    }

    /// The weights as [`Model::parse`] reads them, after `comment` lines.
    pub fn to_tsv(&self, comment: &str) -> String {
        let mut out: String = comment.lines().map(|line| format!("# {line}\n")).collect();
        out.push_str("kind\tfeature\tweight\n");
        for kind in Kind::ALL {
            for (feature, weight) in FEATURES.iter().zip(&self.weights[kind.index()]) {
                out.push_str(&format!("{}\t{feature}\t{weight:.5}\n", kind.name()));
            }
        }
        for (word, weights) in &self.words {
            for kind in Kind::ALL {
                let weight = weights[kind.index()];
                if weight.abs() >= 0.000_5 {
                    out.push_str(&format!("{}\t{WORD}{word}\t{weight:.5}\n", kind.name()));
                }
            }
        }
        out
    }

    /// The candidate's score before the softmax, for a message with `words`.
    pub fn score(&self, candidate: &Candidate, words: &[String]) -> f32 {
        let kind = candidate.kind.index();
        let features: f32 = self.weights[kind]
            .iter()
            .zip(&candidate.features)
            .map(|(w, f)| w * f)
            .sum();
        let words: f32 = words.iter().filter_map(|w| self.words.get(w)).map(|w| w[kind]).sum();
        features + words
    }

    /// The probability of each candidate.
    pub fn probabilities(&self, candidates: &[Candidate], words: &[String]) -> Vec<f32> {
        softmax(candidates.iter().map(|c| self.score(c, words)).collect())
    }
}

/// exp(s) / Σ exp, computed from the largest score down so nothing overflows.
pub fn softmax(mut scores: Vec<f32>) -> Vec<f32> {
    let top = scores.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for s in &mut scores {
        *s = (*s - top).exp();
        sum += *s;
    }
    for s in &mut scores {
        *s /= sum;
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_weights_are_complete_and_read_back_as_written() {
        let model = Model::embedded();
        assert_eq!(Model::parse(&model.to_tsv("a comment")), Ok(model));
        assert!(Model::parse("agency\tbias\t1").is_err(), "missing weights");
        let twice = format!("{}agency\tbias\t1\n", Model::zero().to_tsv(""));
        assert!(Model::parse(&twice).is_err(), "a weight given twice");
        let mut with_words = Model::zero();
        with_words.words.insert("arv".into(), [0.5, -0.25, 0.0, 0.0]);
        assert_eq!(Model::parse(&with_words.to_tsv("")), Ok(with_words));
    }

    #[test]
    fn probabilities_sum_to_one_and_follow_the_scores() {
        let p = softmax(vec![1.0, 3.0, 2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[1] > p[2] && p[2] > p[0]);
    }
}
