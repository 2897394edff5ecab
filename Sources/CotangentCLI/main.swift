import Cotangent

/// `cotangent tour`: the seed tutorial, run end to end.
let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "tour":
    print(SeedTour.text())
default:
    print("""
        usage: cotangent tour    run PyTensor's vector-Jacobian-product tutorial in Cotangent:
                                 each example's code, its simplified graph and its values
        """)
}
