package io.matterpipeline.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.matterpipeline.contract.MessageCodec;
import io.matterpipeline.testkit.files.Directories;
import io.matterpipeline.testkit.ollama.OllamaSimulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.core.env.Environment;

/**
 * The review page in a real headless Chromium (Debian's {@code chromium} driven through Debian's
 * {@code chromedriver}; {@code .ci/run} installs both), served by the single-JVM pipeline with the model simulator.
 * One pipeline for the class; each test signs in afresh. The tests also write the screenshots linked from the README
 * ({@code docs/screenshots/}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReviewPageBrowserTests {

    private static final String ADMIN_TOKEN = "review-page-browser-tests-admin-0123456789";
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static OllamaSimulator simulator;
    private static EmbeddedPipeline pipeline;
    private static Path dataDir;
    private static String baseUrl;
    private static String acmeToken;
    private static String globexToken;
    /** The Matter the upload test made; later tests read it. */
    private static String matterId;

    private WebDriver browser;
    private Path profile;

    @BeforeAll
    static void startPipeline() throws Exception {
        assertThat(CHROMIUM).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)")
                .isExecutable();
        assertThat(CHROMEDRIVER).as("Debian's chromedriver").isExecutable();
        simulator = OllamaSimulator.start();
        dataDir = Files.createTempDirectory("review-page");
        pipeline = EmbeddedPipeline.start(true, new EmbeddedPipeline.Settings(simulator.baseUrl(), "llama3.1:8b", 4,
                dataDir, null, null, Map.of("server.port", 0, "server.address", "127.0.0.1",
                        "matter-pipeline.admin-token", ADMIN_TOKEN,
                        "matter-pipeline.ingest.events.poll-interval", "100ms")));
        baseUrl = "http://127.0.0.1:" + pipeline.bean(Environment.class).getProperty("local.server.port");
        acmeToken = issueToken("acme");
        globexToken = issueToken("globex");
    }

    @AfterAll
    static void stopPipeline() throws IOException {
        if (pipeline != null) {
            pipeline.close();
        }
        if (simulator != null) {
            simulator.close();
        }
        Directories.deleteQuietly(dataDir);
    }

    @BeforeEach
    void openBrowser() throws IOException {
        profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        // Offline machine: no background connections (they are refused, many at a time), no first-run work.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(WAIT);
    }

    @AfterEach
    void closeBrowser() throws IOException {
        if (browser != null) {
            browser.quit();
        }
        // Chromium's helper processes may still be writing to the profile as the browser quits.
        Directories.deleteQuietly(profile);
    }

    @Test
    @Order(1)
    void aWrongTokenIsRefusedWithAClearMessage() {
        browser.get(baseUrl + "/");
        signIn("mpt.nobody.not-a-real-secret-at-all-000000");

        WebElement status = waitFor(By.id("status"));
        wait(driver -> status.getText().startsWith("Sign-in failed"));
        assertThat(status.getAttribute("class")).contains("error");
        assertThat(browser.findElements(By.id("token"))).as("still on the sign-in form").hasSize(1);
        assertThat(sessionToken()).as("a refused token is not kept").isNull();
    }

    @Test
    @Order(2)
    void aMatterIsCreatedUploadedSealedAndCompletesLiveWithoutAReload() throws IOException {
        browser.get(baseUrl + "/");
        signIn(acmeToken);
        waitFor(By.xpath("//h1[text()='Matters']"));
        assertThat(sessionToken()).isEqualTo(acmeToken);

        browser.findElement(By.id("matter-name")).sendKeys("Contoso v. Fabrikam");
        click(By.xpath("//button[text()='Create Matter']"));
        waitFor(By.xpath("//h1[text()='Contoso v. Fabrikam']"));
        matterId = browser.getCurrentUrl().replaceAll(".*#/matters/", "");

        List<Path> samples;
        try (Stream<Path> files = Files.list(samplesDir())) {
            samples = files.sorted().toList();
        }
        for (Path sample : samples) {
            String fileName = sample.getFileName().toString();
            waitFor(By.id("files")).sendKeys(sample.toAbsolutePath().toString());
            wait(driver -> driver.findElements(By.xpath("//tr/td[1][normalize-space()='" + fileName + "']"))
                    .size() == 1);
        }
        // Marks this document: a reload would lose it, so its presence at the end proves the page updated live.
        ((JavascriptExecutor) browser).executeScript("window.notReloaded = true;");
        click(By.xpath("//button[text()='Seal']"));

        wait(driver -> browser.findElement(By.id("matter-status")).getText().startsWith("COMPLETED"));
        waitFor(By.xpath("//h2[starts-with(text(), 'Findings')]"));
        assertThat(((JavascriptExecutor) browser).executeScript("return window.notReloaded === true;"))
                .isEqualTo(Boolean.TRUE);
        assertThat(browser.findElements(By.cssSelector("table[aria-label='Documents'] tbody tr")))
                .hasSize(samples.size())
                .allSatisfy(row -> assertThat(row.getText()).contains("COMPLETED"));
        screenshot("matter.png");
    }

    @Test
    @Order(3)
    void aFindingOpensItsPageWithTheQuoteMarked() throws IOException {
        openMatter(acmeToken);
        WebElement finding = waitFor(By.xpath("//table[@aria-label='Findings']//tr[td[1]='parties']"
                + "[td[3]='master-services-agreement.pdf']//a"));
        String quote = finding.getAttribute("title");
        String value = finding.getText();
        finding.click();

        WebElement chosen = waitFor(By.cssSelector("#page-text mark.chosen"));
        assertThat(normalize(chosen.getText())).isEqualTo(normalize(quote));
        assertThat(chosen.getAttribute("title")).contains("parties: " + value);
        assertThat(browser.switchTo().activeElement()).as("the quote has the focus").isEqualTo(chosen);
        assertThat((Boolean) ((JavascriptExecutor) browser).executeScript(
                "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight;",
                chosen)).as("scrolled into view").isTrue();
        assertThat(browser.findElement(By.tagName("h1")).getText()).startsWith("master-services-agreement.pdf");
        screenshot("page.png");
    }

    @Test
    @Order(4)
    void anOcrPageShadesItsLowConfidenceWords() {
        openMatter(acmeToken);
        waitFor(By.xpath("//table[@aria-label='Documents']//a[text()='scheduling-order.ocr.json']")).click();

        waitFor(By.id("page-text"));
        assertThat(browser.findElements(By.cssSelector("#page-text .low"))).as("page 1: every word above 0.8")
                .isEmpty();
        click(By.linkText("Next page"));
        wait(driver -> driver.findElement(By.tagName("h1")).getText().endsWith("page 2 of 2"));

        // The sample's page 2 has four words below the 0.8 threshold: closes 0.61, damages 0.66, mediation 0.61,
        // Judge 0.71 (a word inside a quote is shaded inside its mark).
        List<WebElement> shaded = waitFor(By.id("page-text")).findElements(By.cssSelector(".low"));
        Map<String, String> byWord = shaded.stream().collect(Collectors.toMap(
                word -> word.getText().replaceAll("(?s)\\s*\\(OCR confidence.*", ""),
                word -> word.getAttribute("title"), (a, b) -> a));
        assertThat(byWord).containsOnly(Map.entry("closes", "OCR confidence 61%"),
                Map.entry("damages", "OCR confidence 66%"), Map.entry("mediation", "OCR confidence 61%"),
                Map.entry("Judge", "OCR confidence 71%"));
        assertThat(browser.findElements(By.cssSelector("#page-text mark"))).as("its quotes are marked too")
                .isNotEmpty();
    }

    @Test
    @Order(5)
    void anotherTenantCannotReachTheMatterOrItsPages() {
        browser.get(baseUrl + "/");
        signIn(globexToken);
        waitFor(By.xpath("//h1[text()='Matters']"));
        assertThat(browser.findElements(By.linkText("Contoso v. Fabrikam"))).isEmpty();

        browser.get(baseUrl + "/#/matters/" + matterId);
        WebElement status = waitFor(By.id("status"));
        wait(driver -> status.getText().contains(matterId));
        assertThat(status.getText()).isEqualTo("No Matter with id " + matterId);
        assertThat(browser.findElements(By.id("matter-status"))).isEmpty();
    }

    // --- helpers

    private void openMatter(String token) {
        browser.get(baseUrl + "/");
        signIn(token);
        waitFor(By.xpath("//h1[text()='Matters']"));
        browser.get(baseUrl + "/#/matters/" + matterId);
        waitFor(By.xpath("//h2[starts-with(text(), 'Findings')]"));
    }

    private void signIn(String token) {
        WebElement field = waitFor(By.xpath("//label[text()='Token']/following-sibling::input[@id='token']"));
        field.sendKeys(token);
        browser.findElement(By.xpath("//button[text()='Sign in']")).click();
    }

    /** Clicks the element, found again if the page re-rendered it between finding and clicking. */
    private void click(By locator) {
        wait(driver -> {
            driver.findElement(locator).click();
            return true;
        });
    }

    private Object sessionToken() {
        return ((JavascriptExecutor) browser).executeScript(
                "return sessionStorage.getItem('matter-pipeline.token');");
    }

    private WebElement waitFor(By locator) {
        return new WebDriverWait(browser, WAIT).until(ExpectedConditions.visibilityOfElementLocated(locator));
    }

    private void wait(java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, WAIT).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .ignoring(org.openqa.selenium.NoSuchElementException.class)
                .until(condition::apply);
    }

    private void screenshot(String name) throws IOException {
        Path docs = samplesDir().resolveSibling("docs").resolve("screenshots");
        Files.createDirectories(docs);
        Files.write(docs.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private static String normalize(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }

    private static Path samplesDir() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("samples")) ? here.resolve("samples") : here.resolveSibling("samples");
    }

    private static String issueToken(String tenant) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/tokens"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"tenant\":\"" + tenant
                        + "\",\"scopes\":[\"matters:read\",\"matters:write\"]}"))
                .timeout(Duration.ofSeconds(30))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return MessageCodec.mapper().readTree(response.body()).path("token").asString();
    }
}
