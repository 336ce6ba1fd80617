extension Metric {
    /// The name of this metric for session s of a stitched run (docs/model.md §18) in metrics.json:
    /// "<metric>_sess<s>"; the plain name holds the unweighted mean over sessions.
    public func session(_ s: Int) -> String { sessionMetricKey(rawValue, session: s) }
}

/// The metrics.json key of session s's value of `name` (a Metric's raw value).
public func sessionMetricKey(_ name: String, session s: Int) -> String { "\(name)_sess\(s)" }
