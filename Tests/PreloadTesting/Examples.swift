/// Published examples the tests share.
public enum Examples {
    /// RFC 8461 §3.2's example policy.
    public static let rfc8461Policy = """
        version: STSv1
        mode: enforce
        mx: mail.example.com
        mx: *.example.net
        mx: backupmx.example.com
        max_age: 604800
        """
}
