using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public class PythonValueTests
{
    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(1.0, "1.0")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(1.5e-7, "1.5e-07")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(12345.678, "12345.678")]
    [InlineData(double.PositiveInfinity, "inf")]
    public void FloatRepr_MatchesPython(double value, string expected) =>
        Assert.Equal(expected, PythonValue.FloatRepr(value));

    [Theory]
    [InlineData("abc", "'abc'")]
    [InlineData("it's", "\"it's\"")]
    [InlineData("a'b\"c", "'a\\'b\"c'")]
    [InlineData("line\nbreak\\", "'line\\nbreak\\\\'")]
    public void Repr_String_MatchesPython(string value, string expected) =>
        Assert.Equal(expected, PythonValue.Repr(value));
}
