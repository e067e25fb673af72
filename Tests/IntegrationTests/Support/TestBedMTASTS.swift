import Foundation
import Logging
import PreloadClient
import PreloadCore
import PreloadNetwork
import PreloadTesting

/// The client's MTA-STS resolver over the test bed's unbound and nginx, with a fresh cache in a scratch
/// directory that lives as long as the value; logging off.
struct TestBedMTASTS {
    let scratch: ScratchDirectory
    let logger: Logger
    let clock = SystemClock()
    let resolver: MTASTSResolver

    init(_ label: String, metrics: MTASTSMetrics? = nil) async throws {
        let bed = try await NetTestBed.shared
        let network = ClientRuntime.Network(dns: bed.dns.server, caFile: bed.caFile, timeout: 5, httpsPort: bed.httpsPort)
        scratch = try ScratchDirectory(label)
        var logger = Logger(label: label)
        logger.logLevel = .critical
        self.logger = logger
        resolver = try await ClientRuntime.mtaSTSResolver(state: StateDirectory(scratch.file("state")), network: network,
                                                          clock: clock, metrics: metrics, logger: logger)
    }
}
