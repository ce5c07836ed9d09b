//! Fitting the learned decision: multinomial (conditional) logistic
//! regression over each message's candidates, by full-batch gradient descent
//! with Adam steps and an L2 penalty on every weight but the biases.
//! Deterministic: the same samples give the same weights.

use super::features::{Candidate, FEATURES, Kind};
use super::model::{Model, softmax};

/// One labelled message: its candidates and the number of the right one.
#[derive(Debug, Clone)]
pub struct Sample {
    pub candidates: Vec<Candidate>,
    pub right: usize,
}

/// How the weights are fitted.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    /// The L2 penalty, per sample.
    pub l2: f32,
    pub steps: usize,
    pub learning_rate: f32,
}

impl Default for Fit {
    fn default() -> Self {
        Self {
            l2: 0.001,
            steps: 1500,
            learning_rate: 0.05,
        }
    }
}

/// The weights that make the right candidates most probable.
pub fn fit(samples: &[Sample], settings: Fit) -> Model {
    const K: usize = Kind::ALL.len();
    const F: usize = FEATURES.len();
    let mut model = Model::zero();
    let (mut m, mut v) = ([[0.0_f32; F]; K], [[0.0_f32; F]; K]);
    let (beta1, beta2, epsilon) = (0.9_f32, 0.999_f32, 1e-8_f32);
    let n = samples.len().max(1) as f32;
    for step in 1..=settings.steps {
        let mut gradient = [[0.0_f32; F]; K];
        for sample in samples {
            let p = model.probabilities(&sample.candidates);
            for (at, (candidate, p)) in sample.candidates.iter().zip(&p).enumerate() {
                let error = p - f32::from(u8::from(at == sample.right));
                for (g, x) in gradient[candidate.kind.index()].iter_mut().zip(&candidate.features) {
                    *g += error * x / n;
                }
            }
        }
        for (k, row) in gradient.iter_mut().enumerate() {
            for (f, g) in row.iter_mut().enumerate() {
                if f > 0 {
                    *g += settings.l2 * model.weights[k][f];
                }
                m[k][f] = beta1 * m[k][f] + (1.0 - beta1) * *g;
                v[k][f] = beta2 * v[k][f] + (1.0 - beta2) * *g * *g;
                let m_hat = m[k][f] / (1.0 - beta1.powi(step as i32));
                let v_hat = v[k][f] / (1.0 - beta2.powi(step as i32));
                model.weights[k][f] -= settings.learning_rate * m_hat / (v_hat.sqrt() + epsilon);
            }
        }
    }
    model
}

/// The mean negative log-likelihood of the right candidates.
pub fn loss(model: &Model, samples: &[Sample]) -> f32 {
    let total: f32 = samples
        .iter()
        .map(|s| {
            let scores = s.candidates.iter().map(|c| model.score(c)).collect();
            -softmax(scores)[s.right].max(1e-12).ln()
        })
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
                Sample { candidates, right }
            })
            .collect();
        let model = fit(&samples, Fit::default());
        assert!(loss(&model, &samples) < 0.5 * loss(&Model::zero(), &samples));
        assert!(model.weights[Kind::Agency.index()][2] > 0.0, "{model:?}");
    }
}
