extension StringProtocol {
    /// `self` without leading and trailing characters from `set` (compared as Unicode scalars, so
    /// "\r\n" in `set` means both characters, not the one grapheme they form together).
    public func trimming(_ set: String) -> String {
        let trim = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, trim.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, trim.contains(l) { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
