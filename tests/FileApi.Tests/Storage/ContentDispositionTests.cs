using FileApi.Storage;

namespace FileApi.Tests.Storage;

public sealed class ContentDispositionTests
{
    [Theory]
    [InlineData("plain.txt", "plain.txt", "plain.txt")]
    [InlineData("say \"hi\".txt", "say _hi_.txt", "say%20%22hi%22.txt")]
    [InlineData("back\\slash.txt", "back_slash.txt", "back%5Cslash.txt")]
    [InlineData("line\r\nbreak\t\0.txt", "line__break__.txt", "line%0D%0Abreak%09%00.txt")]
    [InlineData("100% ; done,'ok'.txt", "100% ; done,'ok'.txt", "100%25%20%3B%20done%2C%27ok%27.txt")]
    [InlineData("Ωmega 🙂.txt", "_mega _.txt", "%CE%A9mega%20%F0%9F%99%82.txt")]
    public void AttachmentHasAnAsciiFallbackAndTheExactUtf8Name(string fileName, string fallback, string encoded)
    {
        var header = ContentDisposition.Attachment(fileName);

        Assert.Equal($"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}", header);
        Assert.All(header, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal(fileName, Uri.UnescapeDataString(encoded));
    }

    [Fact]
    public void ALoneSurrogateBecomesTheReplacementCharacter()
    {
        // Built at run time: attribute arguments cannot carry a lone surrogate intact.
        var fileName = "lone " + '\ud800' + " surrogate";

        Assert.Equal("attachment; filename=\"lone _ surrogate\"; filename*=UTF-8''lone%20%EF%BF%BD%20surrogate",
            ContentDisposition.Attachment(fileName));
    }
}
