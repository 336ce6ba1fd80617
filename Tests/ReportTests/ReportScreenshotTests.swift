import Foundation
import Testing
@testable import Report

/// Looks at the page as a user would: headless Chromium renders index.html to a PNG. Chromium is
/// installed in CI by scripts/install-chromium.sh; without it the test is skipped, saying so.
struct ReportScreenshotTests {
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }()

    static let width = 1400, height = 2200

    /// Renders `html` to `png`; returns the PNG's bytes. Ends the browser (by its own pid) if it hangs.
    static func screenshot(_ html: String, _ png: String) throws -> Data {
        let profile = SearchFixture.base + "/chromium-profile-\(UUID().uuidString)"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium!)
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=\(profile)", "--window-size=\(width),\(height)", "--screenshot=\(png)",
                       URL(fileURLWithPath: html).absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try? FileManager.default.removeItem(atPath: png)
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit(); Issue.record("chromium did not finish in 120 s") }
        return try Data(contentsOf: URL(fileURLWithPath: png))
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ d: Data) -> (Int, Int)? {
        let b = [UInt8](d.prefix(24))
        guard b.count == 24, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], b[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }
        func be(_ i: Int) -> Int { b[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    @Test(.enabled(if: chromium != nil, "chromium is not installed: run scripts/install-chromium.sh to render the report page"))
    func theReportPageRendersToANonBlankScreenshot() throws {
        let (out, _) = try ReportTableTests.report.get()
        let png = try Self.screenshot(out + "/index.html", out + "/screenshot.png")
        let size = try #require(Self.pngSize(png), "not a PNG")
        #expect(size.0 == Self.width && size.1 == Self.height)
        // A blank page of the same size compresses to a few kilobytes; the report's text, tables and
        // plots cannot. Comparing with a real blank render keeps this independent of the PNG encoder.
        let blankHTML = SearchFixture.base + "/blank.html"
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: blankHTML, atomically: true, encoding: .utf8)
        let blank = try Self.screenshot(blankHTML, SearchFixture.base + "/blank.png")
        #expect(png.count > 50_000, "screenshot is only \(png.count) bytes")
        #expect(png.count > 8 * blank.count, "screenshot \(png.count) bytes vs a blank page's \(blank.count)")
        print("report screenshot: \(out)/screenshot.png, \(png.count) bytes (blank page: \(blank.count))")
    }
}
