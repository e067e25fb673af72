import Dispatch
import Foundation

/// Waits for SIGTERM or SIGINT (both are then ignored by default handling, so the process stops only when
/// its caller is done).
public enum TerminationSignal {
    /// The number of the first SIGTERM or SIGINT that arrives.
    public static func wait() async -> Int32 {
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        var received: Int32 = SIGTERM
        for await number in signals {
            received = number
            break
        }
        for source in sources { source.cancel() }
        return received
    }
}
