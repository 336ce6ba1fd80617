import Config
import LFADS
import Testing

/// The `search:` section of a config and `--set search.*` overrides.
@Suite struct SearchSpecTests {
    static func parse(_ search: String) throws -> RunConfig {
        try RunConfig.parse("hps:\n  lr: 0.01\nsearch:\n" + search, origin: "test.yaml")
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "" } catch { return "\(error)" }
    }

    @Test func aFullSectionParses() throws {
        let c = try Self.parse("""
              method: pbt
              sizes: [1.0, 0.5, 100]
              select_by: samp_valid_nll
              seed: 4
              trials_per_size: 3
              population: 6
              epochs_per_generation: 7
              max_generations: 9
              min_improvement: 0.001
              patience_generations: 2
              subsample_valid: false
              space:
                lr: {dist: log_uniform, min: 1.0e-4, max: 0.01, init: 0.004, explore: 1.3}
                dropout_rate: {dist: uniform, min: 0.0, max: 0.5}
                batch_size: {dist: choice, values: [16, 32]}
            """)
        let s = try #require(c.search)
        #expect(s.method == .pbt && s.selectBy == .sampValidNLL && s.seed == 4 && s.trialsPerSize == 3)
        #expect(s.sizes == [1.0, 0.5, 100])
        #expect(s.population == 6 && s.epochsPerGeneration == 7 && s.maxGenerations == 9 && s.patienceGenerations == 2)
        #expect(s.minImprovement == 0.001 && !s.subsampleValid)
        #expect(s.space.keys.sorted() == ["batch_size", "dropout_rate", "lr"])
        #expect(s.space["lr"] == {
            var r = ParameterRange(.logUniform, min: 1e-4, max: 0.01, explore: 1.3); r.initial = 0.004; return r }())
        #expect(s.space["batch_size"]?.values == [.int(16), .int(32)])
        #expect(s.problems().isEmpty)
        // The run directory's config.yaml must read back as the same search (resume relies on it).
        let again = try RunConfig.parse(c.yaml(), origin: "config.yaml")
        #expect(again.search == s)
    }

    @Test func aConfigWithoutASearchSectionHasNone() throws {
        #expect(try RunConfig.parse("hps:\n  lr: 0.01\n", origin: "x").search == nil)
    }

    @Test func unknownKeysAreErrorsNamingTheKey() {
        let m = Self.message { _ = try Self.parse("  method: random\n  colour: red\n") }
        #expect(m.contains("search.colour"), "\(m)")
        let m2 = Self.message { _ = try Self.parse("  space:\n    learning_rate: {dist: uniform, min: 0, max: 1}\n") }
        #expect(m2.contains("unknown hyperparameter 'learning_rate'"), "\(m2)")
        let m3 = Self.message { _ = try Self.parse("  space:\n    lr: {dist: uniform, min: 0, max: 1, step: 2}\n") }
        #expect(m3.contains("search.space.lr") && m3.contains("'step'"), "\(m3)")
        let m4 = Self.message { _ = try Self.parse("  method: grid\n") }
        #expect(m4.contains("search.method") && m4.contains("grid"), "\(m4)")
        let m5 = Self.message { _ = try Self.parse("  select_by: valid_r2\n") }
        #expect(m5.contains("search.select_by") && m5.contains("valid_r2"), "\(m5)")
        let m6 = Self.message { _ = try Self.parse("  population: 2.5\n") }
        #expect(m6.contains("search.population"), "\(m6)")
    }

    /// docs/search.md §4: async is opt-in; sync stays the default and is not written to config.yaml.
    @Test func thePBTScheduleIsSyncUnlessAsyncIsAskedFor() throws {
        #expect(try Self.parse("  method: pbt\n").search?.pbtSchedule == .sync)
        let a = try Self.parse("  method: pbt\n  pbt_schedule: async\n")
        #expect(a.search?.pbtSchedule == .async)
        #expect(a.yaml().contains("pbt_schedule: async"))
        #expect(try RunConfig.parse(a.yaml(), origin: "back.yaml").search?.pbtSchedule == .async)
        #expect(!(try Self.parse("  method: pbt\n").yaml().contains("pbt_schedule")))
        let m = Self.message { _ = try Self.parse("  pbt_schedule: later\n") }
        #expect(m.contains("search.pbt_schedule") && m.contains("later"), "\(m)")
        #expect(try Self.parse("  method: random\n  pbt_schedule: async\n").search!.problems()
                .contains("search.pbt_schedule: async needs method: pbt"))
    }

    @Test func badRangesAreErrorsNamingTheHyperparameter() {
        let dist = Self.message { _ = try Self.parse("  space:\n    lr: {dist: gaussian, min: 0.001, max: 0.01}\n") }
        #expect(dist.contains("search.space.lr") && dist.contains("dist"), "\(dist)")
        let noDist = Self.message { _ = try Self.parse("  space:\n    lr: {min: 0.001, max: 0.01}\n") }
        #expect(noDist.contains("search.space.lr") && noDist.contains("dist"), "\(noDist)")
        let order = Self.message { _ = try Self.parse("  space:\n    dropout_rate: {dist: uniform, min: 0.5, max: 0.1}\n") }
        #expect(order.contains("search.space.dropout_rate") && order.contains("min"), "\(order)")
        let missing = Self.message { _ = try Self.parse("  space:\n    dropout_rate: {dist: uniform, max: 0.1}\n") }
        #expect(missing.contains("search.space.dropout_rate"), "\(missing)")
        for lo in ["0.0", "-1.0e-3"] {
            let log = Self.message { _ = try Self.parse("  space:\n    lr: {dist: log_uniform, min: \(lo), max: 0.01}\n") }
            #expect(log.contains("search.space.lr") && log.contains("log_uniform") && log.contains("min > 0"), "min \(lo): \(log)")
        }
        let choice = Self.message { _ = try Self.parse("  space:\n    batch_size: {dist: choice, values: []}\n") }
        #expect(choice.contains("search.space.batch_size") && choice.contains("values"), "\(choice)")
        let explore = Self.message { _ = try Self.parse("  space:\n    lr: {dist: log_uniform, min: 0.001, max: 0.01, explore: 0.5}\n") }
        #expect(explore.contains("search.space.lr") && explore.contains("explore"), "\(explore)")
        // min == max is a fixed value, not an error.
        #expect(Self.message { _ = try Self.parse("  space:\n    lr: {dist: log_uniform, min: 0.01, max: 0.01}\n") } == "")
    }

    @Test func problemsNameEveryBadSize() throws {
        var s = SearchSpec()
        s.sizes = [1.0, 0.5, 100]
        #expect(s.problems().isEmpty)
        s.sizes = []
        #expect(s.problems().contains { $0.contains("search.sizes") && $0.contains("empty") })
        for bad in [0.0, -0.5, 2.5, .nan] {
            s.sizes = [1.0, bad]
            let p = s.problems()
            #expect(p.count == 1 && p[0].contains("search.sizes"), "size \(bad): \(p)")
        }
        s.sizes = [1.0]
        s.population = 1; s.trialsPerSize = 0; s.maxGenerations = 0
        let p = s.problems()
        for key in ["search.population", "search.trials_per_size", "search.max_generations"] {
            #expect(p.contains { $0.contains(key) }, "\(key) not named in \(p)")
        }
        // A bad size in the file is reported by problems(), not silently dropped.
        let c = try Self.parse("  sizes: [1.0, 0.0]\n")
        #expect(c.search?.sizes == [1.0, 0.0])
        #expect(c.search?.problems().count == 1)
    }

    @Test func setOverridesTheSearchSection() throws {
        var c = try Self.parse("  method: random\n  sizes: [1.0]\n  trials_per_size: 2\n")
        try c.apply(override: "search.sizes=[1.0,0.5]")
        try c.apply(override: "search.method=pbt")
        try c.apply(override: "search.population=5")
        try c.apply(override: "search.select_by=valid_cobps")
        let s = try #require(c.search)
        #expect(s.sizes == [1.0, 0.5])
        #expect(s.method == .pbt && s.population == 5 && s.selectBy == .validCobps)
        #expect(s.trialsPerSize == 2, "an override keeps the rest of the section")
        try c.apply(override: "search.sizes=[200, 50]")
        #expect(c.search?.sizes == [200, 50])
        // On a config without a search section an override creates one with the defaults.
        var plain = try RunConfig.parse("hps:\n  lr: 0.01\n", origin: "x")
        try plain.apply(override: "search.sizes=[0.5]")
        #expect(plain.search?.sizes == [0.5] && plain.search?.method == .random)
        for (bad, key) in [("search.colour=3", "search.colour"), ("search.method=grid", "search.method"),
                           ("search.sizes=[1.0,half]", "search.sizes"), ("search.seed=x", "search.seed")] {
            var c2 = c
            let m = Self.message { try c2.apply(override: bad) }
            #expect(m.contains(key), "\(bad): \(m)")
            #expect(c2.search == c.search, "\(bad) changed the config")
        }
    }
}
