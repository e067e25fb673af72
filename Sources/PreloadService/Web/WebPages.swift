/// The server-rendered pages for domain owners.
enum WebPages {
    static let routes: [PreloadAPI.Route] = []
}
