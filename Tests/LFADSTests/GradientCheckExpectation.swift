import Testing
import LFADS

/// Records each parameter tensor whose analytic gradient missed its finite differences (prefixed
/// by `label`, e.g. the observation model), then expects the whole check to have passed.
func expectGradientsMatch(_ r: GradientCheckReport, _ label: String = "",
                          sourceLocation: SourceLocation = #_sourceLocation) {
    let prefix = label.isEmpty ? "" : label + " "
    for t in r.tensors where !t.passed {
        Issue.record("\(prefix)\(t.name): max rel \(t.maxRelError)", sourceLocation: sourceLocation)
    }
    #expect(r.passed, sourceLocation: sourceLocation)
}
