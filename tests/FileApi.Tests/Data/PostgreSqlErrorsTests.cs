using FileApi.Data.Providers;
using Npgsql;

namespace FileApi.Tests.Data;

/// <summary>How PostgreSQL's errors read as the failures the API answers (the SQL Server twin is in SqlServerProviderTests).</summary>
public sealed class PostgreSqlErrorsTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.DeadlockDetected, DatabaseFailure.Unavailable)]
    [InlineData(PostgresErrorCodes.AdminShutdown, DatabaseFailure.Unavailable)]
    [InlineData(PostgresErrorCodes.UniqueViolation, DatabaseFailure.UniqueViolation)]
    [InlineData(PostgresErrorCodes.StringDataRightTruncation, DatabaseFailure.ValueTooLong)]
    public void ADeadlockVictimIsRetryableLikeAnOutageWhileOtherErrorsKeepTheirMeaning(string sqlState, DatabaseFailure expected)
    {
        var error = new PostgresException("the server's message", "ERROR", "ERROR", sqlState);

        Assert.Equal(expected, new PostgreSqlErrors().Classify(error));
    }

    [Fact]
    public void AnErrorOfOursIsNoKnownFailure()
    {
        Assert.Null(new PostgreSqlErrors().Classify(new PostgresException("syntax error", "ERROR", "ERROR", PostgresErrorCodes.SyntaxError)));
    }
}
