import ArgumentParser

/// The options of the owner's steps, `submit` and `remove`: the state, the challenge rules, the network, the
/// output format and `--server`.
struct OwnerStepOptions: ParsableArguments {
    @OptionGroup var state: StateOptions
    @OptionGroup var challenge: ChallengeOptions
    @OptionGroup var network: NetworkOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var server: ServerOptions
}
