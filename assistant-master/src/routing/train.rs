//! Fitting the learned decision: multinomial (conditional) logistic
//! regression over each message's candidates, by full-batch gradient descent
//! with Adam steps and an L2 penalty on every weight but the biases.
//! Deterministic: the same samples give the same weights.

use std::collections::{BTreeMap, HashMap};

use super::features::{Candidate, FEATURES, Kind};
use super::model::{Model, softmax};

/// One labelled message: its candidates, its words and the number of the right candidate.
#[derive(Debug, Clone)]
pub struct Sample {
    pub candidates: Vec<Candidate>,
    pub words: Vec<String>,
    pub right: usize,
}

/// How the weights are fitted.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    /// The L2 penalty on the features' weights.
    pub l2: f32,
    /// Words in fewer messages than this get no weights (0: no word weights).
    pub min_word_count: usize,
    /// The L2 penalty on the words' weights.
    pub l2_words: f32,
    pub steps: usize,
    pub learning_rate: f32,
}

impl Default for Fit {
    fn default() -> Self {
        Self {
            l2: 0.001,
            min_word_count: 5,
            l2_words: 0.001,
            steps: 1500,
            learning_rate: 0.05,
        }
    }
}

const K: usize = Kind::ALL.len();
const F: usize = FEATURES.len();

/// Adam's running moments for one weight.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    m: f32,
    v: f32,
}

impl Moments {
    /// The step for gradient `g` at step `t` (from 1).
    fn step(&mut self, g: f32, t: i32, learning_rate: f32) -> f32 {
        const BETA1: f32 = 0.9;
        const BETA2: f32 = 0.999;
        self.m = BETA1 * self.m + (1.0 - BETA1) * g;
        self.v = BETA2 * self.v + (1.0 - BETA2) * g * g;
        let m_hat = self.m / (1.0 - BETA1.powi(t));
        let v_hat = self.v / (1.0 - BETA2.powi(t));
        learning_rate * m_hat / (v_hat.sqrt() + 1e-8)
    }
}

/// The weights that make the right candidates most probable.
pub fn fit(samples: &[Sample], settings: Fit) -> Model {
    // The words seen in enough messages, and each sample's by number.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for sample in samples {
        for word in &sample.words {
            *counts.entry(word).or_default() += 1;
        }
    }
    let vocabulary: Vec<&str> = counts
        .into_iter()
        .filter(|(_, n)| settings.min_word_count > 0 && *n >= settings.min_word_count)
        .map(|(w, _)| w)
        .collect();
    let number: HashMap<&str, usize> = vocabulary.iter().enumerate().map(|(i, w)| (*w, i)).collect();
    let sample_words: Vec<Vec<usize>> = samples
        .iter()
        .map(|s| s.words.iter().filter_map(|w| number.get(w.as_str()).copied()).collect())
        .collect();

    let mut weights = [[0.0_f32; F]; K];
    let mut word_weights = vec![[0.0_f32; K]; vocabulary.len()];
    let mut moments = [[Moments::default(); F]; K];
    let mut word_moments = vec![[Moments::default(); K]; vocabulary.len()];
    let n = samples.len().max(1) as f32;
    for step in 1..=settings.steps as i32 {
        let mut gradient = [[0.0_f32; F]; K];
        let mut word_gradient = vec![[0.0_f32; K]; vocabulary.len()];
        for (sample, words) in samples.iter().zip(&sample_words) {
            let scores = sample
                .candidates
                .iter()
                .map(|c| {
                    let k = c.kind.index();
                    let features: f32 = weights[k].iter().zip(&c.features).map(|(w, x)| w * x).sum();
                    features + words.iter().map(|&w| word_weights[w][k]).sum::<f32>()
                })
                .collect();
            for (at, (candidate, p)) in sample.candidates.iter().zip(softmax(scores)).enumerate() {
                let error = (p - f32::from(u8::from(at == sample.right))) / n;
                let k = candidate.kind.index();
                for (g, x) in gradient[k].iter_mut().zip(&candidate.features) {
                    *g += error * x;
                }
                for &w in words {
                    word_gradient[w][k] += error;
                }
            }
        }
        for k in 0..K {
            for f in 0..F {
                let penalty = if f > 0 { settings.l2 * weights[k][f] } else { 0.0 };
                weights[k][f] -= moments[k][f].step(gradient[k][f] + penalty, step, settings.learning_rate);
            }
            for w in 0..vocabulary.len() {
                let g = word_gradient[w][k] + settings.l2_words * word_weights[w][k];
                word_weights[w][k] -= word_moments[w][k].step(g, step, settings.learning_rate);
            }
        }
    }
    Model {
        weights,
        words: vocabulary.into_iter().map(str::to_string).zip(word_weights).collect(),
    }
}

/// The mean negative log-likelihood of the right candidates.
pub fn loss(model: &Model, samples: &[Sample]) -> f32 {
    let total: f32 = samples
        .iter()
        .map(|s| -model.probabilities(&s.candidates, &s.words)[s.right].max(1e-12).ln())
        .sum();
    total / samples.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::{Domain, MasterIntent};

    fn candidate(kind: Kind, rules: f32, example: f32) -> Candidate {
        let mut features = [0.0; FEATURES.len()];
        features[0] = 1.0;
        features[1] = rules;
        features[2] = example;
        Candidate {
            domain: Domain::Master(MasterIntent::OutOfScope),
            kind,
            features,
        }
    }

    #[test]
    fn fitting_lowers_the_loss_and_learns_which_feature_tells() {
        // The right candidate is the one with the closer example, whatever the rules say.
        let samples: Vec<Sample> = (0..40)
            .map(|i| {
                let close = 0.3 + 0.01 * i as f32;
                let right = i % 2;
                let mut candidates = vec![candidate(Kind::Agency, 1.0, 0.2), candidate(Kind::Agency, 0.0, 0.2)];
                candidates[right].features[2] = close;
                Sample {
                    candidates,
                    words: Vec::new(),
                    right,
                }
            })
            .collect();
        let settings = Fit {
            min_word_count: 0,
            ..Fit::default()
        };
        let model = fit(&samples, settings);
        assert!(model.words.is_empty());
        assert!(loss(&model, &samples) < 0.5 * loss(&Model::zero(), &samples));
        assert!(model.weights[Kind::Agency.index()][2] > 0.0, "{model:?}");
    }

    #[test]
    fn a_word_that_tells_the_kind_gets_weight_for_it() {
        // Same features; the word "arv" marks the life event.
        let samples: Vec<Sample> = (0..40)
            .map(|i| {
                let event = i % 2 == 0;
                Sample {
                    candidates: vec![candidate(Kind::Agency, 0.0, 0.3), candidate(Kind::LifeEvent, 0.0, 0.3)],
                    words: vec![if event { "arv" } else { "skatt" }.to_string(), "og".to_string()],
                    right: usize::from(event),
                }
            })
            .collect();
        let model = fit(&samples, Fit::default());
        let arv = model.words["arv"];
        assert!(arv[Kind::LifeEvent.index()] > arv[Kind::Agency.index()], "{arv:?}");
        assert!(loss(&model, &samples) < 0.5 * loss(&Model::zero(), &samples));
    }
}
