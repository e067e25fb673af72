/// Where the published list lives in its repository.
public enum ListRepositoryLayout {
    /// The canonical v1 list.
    public static let listPath = "list/preload.json"
    /// Its armoured SSH signature (namespace `preload-list`).
    public static let signaturePath = "list/preload.json.sig"
    /// The OpenSSH allowed-signers file: the keys trusted to sign the list (and its commits).
    public static let allowedSignersPath = "list/allowed_signers"
    /// The directory holding the three.
    public static let directory = "list"
    /// The namespaces a bootstrap key is allowed for: lists and git commits.
    public static let bootstrapNamespaces = ["preload-list", "git"]
}
