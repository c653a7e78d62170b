import Compute
import Foundation
import Host
import XCTest

/// `inspect cluster`, `inspect topology` and `inspect cka` through a session.
final class InspectAnalysisTests: XCTestCase {
    private var written = ""
    private lazy var session = Session(write: { self.written += $0 })
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-analysis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func file(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private func inspect(_ subject: String, _ named: [(String, Value)]) throws -> Record {
        let result = try session.run(CommandInvocation(name: "inspect", positional: [.string(subject)], named: named, flags: []))
        guard case let .record(record) = result else { throw CommandError("inspect returned \(result)") }
        return record
    }

    private func doubles(_ value: Value?) -> [Double] {
        guard case let .array(items)? = value else { return [] }
        return items.compactMap { if case let .double(d) = $0 { return d }; if case let .int(i) = $0 { return Double(i) }; return nil }
    }

    private func ints(_ value: Value?) -> [Int] {
        guard case let .array(items)? = value else { return [] }
        return items.compactMap { if case let .int(i) = $0 { return i }; return nil }
    }

    private let square: [[Double]] = [[0, 1, 6, 7, 8], [1, 0, 6.5, 7, 8], [6, 6.5, 0, 1.5, 9], [7, 7, 1.5, 0, 9.5], [8, 8, 9, 9.5, 0]]

    func testHelpInspectListsEverySubject() throws {
        let result = try session.run(CommandInvocation(name: "help", positional: [.string("inspect")], named: [], flags: []))
        guard case let .record(record) = result, case let .array(details)? = record["details"] else { return XCTFail("\(result)") }
        let text = details.map(\.description).joined(separator: "\n")
        for subject in ["cka", "cluster", "topology", "saliency"] {
            XCTAssertTrue(text.contains("inspect \(subject) "), "help inspect should list \(subject): \(text)")
        }
        XCTAssertTrue(written.contains("subjects:"), written)
        XCTAssertThrowsError(try inspect("topolgy", [])) { XCTAssertTrue("\($0)".contains("did you mean 'topology'?"), "\($0)") }
    }

    func testClusterMatchesTheComputeResults() throws {
        let path = try file("d.csv", square.map { $0.map { String($0) }.joined(separator: ",") }.joined(separator: "\n"))
        let record = try inspect("cluster", [("file", .string(path)), ("linkage", .string("complete")), ("k", .int(3))])
        let distances = try DistanceMatrix(square: square)
        let tree = AgglomerativeClustering.cluster(distances, linkage: .complete)
        let labels = try tree.clusters(count: 3)
        XCTAssertEqual(ints(record["labels"]), labels)
        XCTAssertEqual(labels, [0, 0, 1, 1, 2])
        XCTAssertEqual(record["silhouette"], .double(try Silhouette.score(distances, labels: labels)))
        guard case let .array(merges)? = record["merges"] else { return XCTFail("merges") }
        XCTAssertEqual(merges.count, 4)
        XCTAssertEqual(doubles(merges[0]), [0, 1, 1, 2])
        XCTAssertTrue(written.contains("3 clusters"), written)
        // A threshold cut and the default (best silhouette) choice.
        let cut = try inspect("cluster", [("file", .string(path)), ("threshold", .double(2))])
        XCTAssertEqual(ints(cut["labels"]), [0, 0, 1, 1, 2])
        let best = try inspect("cluster", [("file", .string(path))])
        XCTAssertEqual(best["clusters"], .int(3))
    }

    func testClusterReadsSimilaritiesAsOneMinusS() throws {
        let similarity = square.map { $0.map { 1 - $0 / 10 } }
        let path = try file("s.csv", "# a similarity matrix\n" + similarity.map { $0.map { String($0) }.joined(separator: " ") }.joined(separator: "\n"))
        let record = try inspect("cluster", [("file", .string(path)), ("kind", .string("similarity")), ("k", .int(3))])
        XCTAssertEqual(ints(record["labels"]), [0, 0, 1, 1, 2])
        guard case let .array(merges)? = record["merges"] else { return XCTFail("merges") }
        XCTAssertEqual(doubles(merges[0])[2], 0.1, accuracy: 1e-12)
    }

    func testClusterFileErrorsNameTheProblem() throws {
        let cases: [(String, String)] = [
            ("0,1\n2,0\n", "row 0, column 1 is 1.0 but row 1, column 0 is 2.0"),
            ("0,1,2\n1,0,3\n", "not square"),
            ("0,-1\n-1,0\n", "negative"),
            ("0,nan\nnan,0\n", "finite"),
            ("0,1\n1,x\n", "line 2, column 2: 'x' is not a number"),
            ("0,1\n1\n", "line 2 has 1 values"),
        ]
        for (index, (text, expected)) in cases.enumerated() {
            let path = try file("bad\(index).csv", text)
            XCTAssertThrowsError(try inspect("cluster", [("file", .string(path))])) { error in
                XCTAssertTrue("\(error)".contains(expected) && "\(error)".contains(path), "\(error)")
            }
        }
        XCTAssertThrowsError(try inspect("cluster", [("file", .string(directory.path + "/missing.csv"))])) { error in
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        let good = try file("good.csv", "0,1\n1,0\n")
        XCTAssertThrowsError(try inspect("cluster", [("file", .string(good)), ("linkage", .string("median"))])) { error in
            XCTAssertTrue("\(error)".contains("linkage=median"), "\(error)")
        }
        XCTAssertThrowsError(try inspect("cluster", [("file", .string(good)), ("k", .int(1)), ("threshold", .double(1))]))
        XCTAssertThrowsError(try inspect("cluster", [("fil", .string(good))])) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'file'"), "\(error)")
        }
    }

    func testTopologyOfACircleFromCSVAndNpy() throws {
        let points: [[Double]] = (0..<24).map { k in
            let a = 2 * Double.pi * Double(k) / 24
            return [cos(a), sin(a)]
        }
        let csv = try file("circle.csv", "x,y\n" + points.map { "\($0[0]),\($0[1])" }.joined(separator: "\n"))
        let record = try inspect("topology", [("file", .string(csv))])
        let expected = try VietorisRips.barcode(points: points)
        guard case let .array(h1)? = record["h1"], case let .array(h0)? = record["h0"] else { return XCTFail("bars") }
        XCTAssertEqual(h1.count, expected.h1.count)
        XCTAssertEqual(h0.count, 24)
        XCTAssertEqual(h0.filter { if case let .array(pair) = $0 { return pair[1] == .void }; return false }.count, 1)
        XCTAssertEqual(record["entropy_h1"], .double(expected.summary(dimension: 1).entropy))
        XCTAssertEqual(record["entropy_h0"], .double(expected.summary(dimension: 0).entropy))
        XCTAssertTrue(written.contains("H1: \(expected.h1.count) bars"), written)

        let tensor = try Tensor(shape: [24, 2], scalars: points.flatMap { $0.map(Float.init) })
        let npy = directory.appendingPathComponent("circle.npy").path
        try NumpyArrayFile.write(tensor, to: npy)
        let fromNpy = try inspect("topology", [("file", .string(npy)), ("max_radius", .double(0.5))])
        guard case let .array(alive)? = fromNpy["h1"] else { return XCTFail("h1") }
        XCTAssertEqual(alive.count, 1)   // the circle never fills below radius 0.5
        XCTAssertThrowsError(try inspect("topology", [("file", .string(csv)), ("max_radius", .double(-1))]))
    }

    func testTopologyOfADistanceMatrix() throws {
        // Four points on a square (sides 1, diagonals 2): one cycle born at 1, filled at 2.
        let path = try file("square.csv", "0,1,2,1\n1,0,1,2\n2,1,0,1\n1,2,1,0\n")
        let record = try inspect("topology", [("file", .string(path)), ("kind", .string("distance"))])
        guard case let .array(h1)? = record["h1"], case let .array(bar)? = h1.first else { return XCTFail("h1") }
        XCTAssertEqual(h1.count, 1)
        XCTAssertEqual(doubles(.array(bar)), [1, 2])
        XCTAssertEqual(record["entropy_h1"], .double(0))
        let bad = try file("asym.csv", "0,1\n3,0\n")
        XCTAssertThrowsError(try inspect("topology", [("file", .string(bad)), ("kind", .string("distance"))])) { error in
            XCTAssertTrue("\(error)".contains("not symmetric") && "\(error)".contains(bad), "\(error)")
        }
        XCTAssertThrowsError(try inspect("topology", [("file", .string(bad)), ("kind", .string("graph"))]))
    }

    func testCKAOnTinyIsSymmetricWithUnitDiagonal() throws {
        _ = try session.run(CommandInvocation(name: "load", positional: [.string("tiny")], named: [], flags: []))
        XCTAssertThrowsError(try inspect("cka", [])) { error in
            XCTAssertTrue("\(error)".contains("data gsm8k"), "\(error)")
        }
        _ = try session.run(CommandInvocation(name: "data", positional: [.string("gsm8k")], named: [("limit", .int(4))], flags: []))
        let record = try inspect("cka", [("limit", .int(200))])
        XCTAssertEqual(record["layers"], .int(5))
        guard case let .int(tokens)? = record["tokens"] else { return XCTFail("tokens") }
        XCTAssertGreaterThan(tokens, 10)
        XCTAssertEqual(tokens, 200)
        guard case let .array(rows)? = record["cka"] else { return XCTFail("cka") }
        let matrix = rows.map(doubles)
        XCTAssertEqual(matrix.count, 5)
        for i in 0..<5 {
            XCTAssertEqual(matrix[i][i], 1, accuracy: 1e-6)
            for j in 0..<5 {
                XCTAssertEqual(matrix[i][j], matrix[j][i])
                XCTAssertTrue((0...1.000001).contains(matrix[i][j]))
            }
        }
        let chosen = try inspect("cka", [("layers", .string("1-3")), ("limit", .int(100)), ("skip", .int(1))])
        XCTAssertEqual(chosen["tokens"], .int(100))
        XCTAssertEqual(chosen["layers"], .int(3))
        XCTAssertThrowsError(try inspect("cka", [("layers", .array([.int(0), .int(9)]))])) { error in
            XCTAssertTrue("\(error)".contains("layer 9 does not exist"), "\(error)")
        }
    }
}
