import Cotangent

enum Tour {
    static func run() {
        print("Cotangent tour")
    }
}
