import LFADS
import ModelIO

/// Initial parameters of a stitched model (docs/model.md §16): the base rule for every tensor
/// (`readin_init: random`, N(0, 1/in) weights, zero biases).
enum SessionInit {
    static func parameters(_ hp: Hyperparameters, sessions: SessionSet) throws -> [Float] {
        Initialization.parameters(hp, seed: UInt64(hp.seed))
    }
}
